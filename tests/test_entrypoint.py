"""`python -m bot` as an admin runs it: --help, --version, one clear line and exit status 2 for a bad
setting, and patient retries while Discord cannot be reached."""

from __future__ import annotations

import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

import pytest

from bot import __version__
from bot.__main__ import backoff_delays
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot"], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=60, check=False)


def test_missing_settings_are_named_with_exit_status_2(tmp_path: Path) -> None:
    result = run_bot({}, tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["Configuration error: missing setting DISCORD_TOKEN, VIVIX_API_KEY "
                     "(set it in the environment or in .env)"]
    assert "Traceback" not in result.stderr + result.stdout


def test_a_malformed_setting_is_named_and_the_secret_is_not_echoed(tmp_path: Path) -> None:
    result = run_bot({"DISCORD_TOKEN": "secret.token.value", "VIVIX_API_KEY": "vvx_live_hidden",
                      "OWNER_IDS": "me"}, tmp_path)

    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: OWNER_IDS must be")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "secret.token.value" not in result.stderr and "vvx_live_hidden" not in result.stderr


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=60, check=False)


def test_help_explains_the_command_and_lists_every_setting_without_needing_any(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m bot")
    assert "environment variables" in result.stdout and ".env" in result.stdout
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ") and line.split()]
    for name in Settings.model_fields:
        assert name.upper() in listed, f"{name.upper()} missing from --help"
    assert "(required, secret)" in result.stdout
    assert result.stderr == ""


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout == f"vivix-discord-bot {__version__}\n"
    assert metadata.version("vivix-discord-bot") == __version__  # the package metadata agrees


def test_an_unknown_option_is_refused_with_usage(tmp_path: Path) -> None:
    result = run_cli("--tokne", "x", cwd=tmp_path)

    assert result.returncode == 2
    assert "unrecognized arguments: --tokne" in result.stderr


def test_an_unmatched_quote_is_refused_naming_the_variable_not_the_value(tmp_path: Path) -> None:
    # What docker's --env-file passes for a line DISCORD_TOKEN="secret.token.value (closing quote lost).
    result = run_bot({"DISCORD_TOKEN": '"secret.token.value', "VIVIX_API_KEY": "'vvx_live_hidden'"}, tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Configuration error: DISCORD_TOKEN: a value starts or ends with a quote")
    assert "VIVIX_API_KEY" not in lines[0]  # quoted on both sides: fine
    assert "secret.token.value" not in result.stderr and "vvx_live_hidden" not in result.stderr


# Runs `python -m bot` exactly as -m does (runpy), with discord.py's API address pointed at a local
# port that refuses connections, so the test sees a real network failure with or without a network.
UNREACHABLE_HARNESS = """
import runpy, sys
import discord.http
discord.http.Route.BASE = "http://127.0.0.1:%s/api/v10" % sys.argv[1]
sys.argv = ["bot"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")


class BotProcess:
    """`python -m bot` (through the harness) with its log lines read as they come."""

    def __init__(self, port: int, cwd: Path) -> None:
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "secret.token.value",
               "VIVIX_API_KEY": "vvx_live_hidden", "DISCORD_RETRY_SECONDS": "0.05",
               "DISCORD_RETRY_MAX_SECONDS": "0.2"}
        self.proc = subprocess.Popen([sys.executable, "-c", UNREACHABLE_HARNESS, str(port)], cwd=cwd, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for_lines(self, text: str, count: int = 1) -> None:
        found = 0
        while found < count:
            line = self._lines.get(timeout=60)
            assert line is not None, "the bot exited early:\n" + "".join(self.seen)
            self.seen.append(line)
            found += text in line

    def stop(self) -> int:
        """SIGTERM, then the exit status once every line is read."""
        try:
            self.proc.send_signal(signal.SIGTERM)
            returncode = self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._reader.join(timeout=10)
        while (line := self._lines.get_nowait()) is not None:
            self.seen.append(line)
        return returncode

    @property
    def output(self) -> str:
        return "".join(self.seen)


@posix_only
def test_an_unreachable_discord_is_retried_until_sigterm_stops_it_cleanly(tmp_path: Path) -> None:
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))  # bound but not listening: every connection is refused
        bot = BotProcess(refusing.getsockname()[1], tmp_path)
        bot.wait_for_lines("Could not reach Discord", count=2)
        returncode = bot.stop()

    assert returncode == 0, bot.output
    tries = [line for line in bot.seen if "Could not reach Discord" in line]
    assert "on attempt 1; trying again in" in tries[0] and "on attempt 2; trying again in" in tries[1]
    assert "Connect call failed" in tries[0]
    assert bot.seen[-1].rstrip().endswith("Stopped cleanly")
    assert "Traceback" not in bot.output and "Unclosed" not in bot.output
    assert "secret.token.value" not in bot.output and "vvx_live_hidden" not in bot.output


@posix_only
def test_sigterm_while_a_login_hangs_stops_cleanly(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel completes the connection; nobody ever answers the request
        bot = BotProcess(silent.getsockname()[1], tmp_path)
        bot.wait_for_lines("logging in using static token")
        returncode = bot.stop()

    assert returncode == 0, bot.output
    assert "Could not reach Discord" not in bot.output
    assert bot.seen[-1].rstrip().endswith("Stopped cleanly")
    assert "Traceback" not in bot.output and "Unclosed" not in bot.output


def test_backoff_doubles_from_the_first_wait_up_to_the_cap_with_jitter_below() -> None:
    delays = backoff_delays(5, 300, random.Random(1))
    got = [next(delays) for _ in range(9)]

    ceilings = [5, 10, 20, 40, 80, 160, 300, 300, 300]
    for delay, ceiling in zip(got, ceilings, strict=True):
        assert 0.75 * ceiling <= delay <= ceiling
    assert len(set(got[-3:])) == 3  # jittered: not three identical waits at the cap
