"""`tether demo` from a clean home: one command, a shell through the relay, nothing left running afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil


def test_demo_runs_a_command_and_cleans_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
    env["HOME"] = str(tmp_path)
    env.pop("XDG_DATA_HOME", None)
    before = {p.pid for p in psutil.process_iter()}
    for attempt in range(2):  # the second run reuses the saved state
        proc = subprocess.run(
            [sys.executable, "-m", "tether", "demo", "--command", "echo demo-$((20+1)); exit 5"],
            env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
        )
        assert proc.returncode == 5, (attempt, proc.stderr)
        assert "demo-21" in proc.stdout
        assert "online" in proc.stderr
        if os.geteuid() == 0:  # what the agent reported, not what the demo hopes (finding 16)
            assert "the shell runs as the login user tether-user (with passwordless sudo)" in proc.stderr
    assert (tmp_path / ".local/share/tether/demo/server/admin-credentials.json").exists()
    leftovers = [
        p for p in psutil.process_iter(["pid", "cmdline"])
        if p.info["pid"] not in before and p.info["cmdline"] and "tether" in " ".join(p.info["cmdline"])
        and str(tmp_path) in " ".join(p.info["cmdline"])
    ]
    assert leftovers == []
