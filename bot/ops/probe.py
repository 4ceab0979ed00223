"""``python -m bot.ops.probe``: the container's HEALTHCHECK. Exit 0 when healthy or when health is off.

Standard library only, and nothing of the bot is imported, so a probe every
30 seconds stays cheap. With ``HEALTH_PORT`` unset or empty the server is
off and there is nothing to ask: the probe passes. Otherwise it fetches
``/healthz`` from ``HEALTH_HOST`` (a wildcard bind such as ``0.0.0.0`` is
asked on loopback) and fails on anything but a 200, printing the reasons.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

TIMEOUT = 8.0
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def healthz_url(environ: Mapping[str, str]) -> str | None:
    port = environ.get("HEALTH_PORT", "").strip()
    if not port:
        return None
    host = environ.get("HEALTH_HOST", "").strip()
    host = _WILDCARDS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def main(environ: Mapping[str, str] = os.environ) -> int:
    url = healthz_url(environ)
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = int(response.status)
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read().decode("utf-8", "replace")
    except OSError as err:
        print(f"health: {url} did not answer ({type(err).__name__}: {err})", file=sys.stderr)
        return 1
    if status == 200:
        return 0
    print(f"health: {url} answered {status}: {body[:500]}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
