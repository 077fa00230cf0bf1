"""`tether server --listen-backlog N --max-agent-handshakes N`: out-of-range values are refused before anything
starts, naming the flag; given values reach the server, and the real listening socket has that backlog."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.stack import Stack
from support.wait import eventually_sync

from tether.cli import cli, server_cmds
from tether.server import ServerConfig


@pytest.mark.parametrize(
    ("flag", "value", "range_text"),
    [
        ("--listen-backlog", "8", "16<=x<=65535"),
        ("--listen-backlog", "70000", "16<=x<=65535"),
        ("--listen-backlog", "many", "is not a valid integer"),
        ("--max-agent-handshakes", "0", "1<=x<=10000"),
        ("--max-agent-handshakes", "20000", "1<=x<=10000"),
    ],
)
def test_out_of_range_values_are_refused(tmp_path: Path, flag: str, value: str, range_text: str) -> None:
    result = CliRunner().invoke(cli, ["server", "--data-dir", str(tmp_path / "d"), flag, value])
    assert result.exit_code == 2, result.output
    assert flag in result.output and range_text in result.output
    assert not (tmp_path / "d").exists()  # refused before the server made anything


def test_the_values_reach_the_server_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[ServerConfig] = []

    def fake_run_server(config: ServerConfig) -> ServerConfig:  # what `runtime.run` is then given
        started.append(config)
        return config

    def run(_: Any) -> None:
        return None

    monkeypatch.setattr(server_cmds, "run_server", fake_run_server)
    monkeypatch.setattr(server_cmds.runtime, "run", run)
    monkeypatch.setattr(server_cmds, "setup_logging", lambda level: None)
    result = CliRunner().invoke(cli, ["server", "--data-dir", str(tmp_path / "d"), "--listen-backlog", "512",
                                      "--max-agent-handshakes", "7"])
    assert result.exit_code == 0, result.output
    (config,) = started
    assert (config.listen_backlog, config.max_agent_handshakes) == (512, 7)
    default = CliRunner().invoke(cli, ["server", "--data-dir", str(tmp_path / "d")])
    assert default.exit_code == 0, default.output
    assert (started[1].listen_backlog, started[1].max_agent_handshakes) == (4096, 200)


def _backlog(port: int) -> int | None:
    """The accept-queue size the kernel keeps for a listener on `port` (`ss` shows it as Send-Q)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] == "LISTEN":
            return int(fields[2])
    return None


def test_a_real_server_listens_with_the_backlog_given(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    try:
        stack.start_server("--listen-backlog", "77", "--max-agent-handshakes", "3")
        assert eventually_sync(lambda: _backlog(stack.port), what="the listener in ss") == 77
    finally:
        stack.close()
