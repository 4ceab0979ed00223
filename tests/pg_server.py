"""A throwaway PostgreSQL server for tests and benches: a fresh cluster in a temporary folder,
listening on 127.0.0.1 only, owned by a non-root user (PostgreSQL refuses to run as root).

Uses the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/<n>/bin``) or
whatever ``initdb`` is on PATH. Durability is switched off (``fsync=off``): the cluster is thrown
away at the end, and the tests measure behaviour, not the disk.

    python -m tests.pg_server start /tmp/pg    # prints the URL; the server keeps running
    python -m tests.pg_server stop /tmp/pg
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

SUPERUSER = "vivix"


def binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(folder: Path) -> tuple[Callable[[], None] | None, dict[str, str]]:
    """Run the server as ``postgres`` (or ``nobody``) when we are root; as ourselves otherwise."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    if os.geteuid() != 0:
        return None, env
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
            break
        except KeyError:
            continue
    else:
        raise RuntimeError("running as root and there is no 'postgres' or 'nobody' user to run PostgreSQL as")
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    env["HOME"] = str(folder)

    def drop() -> None:
        os.setgid(user.pw_gid)
        os.setgroups([])
        os.setuid(user.pw_uid)

    return drop, env


def start(folder: Path) -> str:
    """Create and start a cluster in ``folder``; returns a postgresql:// URL for its superuser."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    data = folder / "data"
    port = _free_port()
    fresh = not data.exists()
    data.mkdir(mode=0o700, exist_ok=True)
    preexec, env = _as_owner(folder)
    run = {"preexec_fn": preexec, "env": env, "check": True, "stdout": subprocess.DEVNULL}
    if fresh:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                        "-E", "UTF8", "--no-locale", "--no-sync"], **run)  # type: ignore[call-overload]
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB")
    subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options,
                    "-w", "-t", "60", "start"], **run)  # type: ignore[call-overload]
    (folder / "url").write_text(url := f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres")
    return url


def stop(folder: Path) -> None:
    bin_dir = binaries()
    if bin_dir is None or not (folder / "data").exists():
        return
    preexec, env = _as_owner(folder)
    subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"],
                   preexec_fn=preexec, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print(__doc__)
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "start":
        print(start(folder))
    else:
        stop(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
