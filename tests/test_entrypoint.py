"""`python -m bot` as an admin runs it: one clear line and exit status 2 for a bad setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
