"""Start-up tracing: off by default (no file, no aiohttp hooks); on, one timestamped line per step."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tether.client import tracing


def test_off_by_default_writes_nothing_and_installs_no_hooks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tracing, "_path", None)
    monkeypatch.chdir(tmp_path)
    tracing.mark("cli imported")
    assert tracing.trace_configs() == []
    assert list(tmp_path.iterdir()) == []


def test_on_appends_wall_clock_lines_and_hooks_connections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    trace = tmp_path / "startup.trace"
    monkeypatch.setattr(tracing, "_path", str(trace))
    before = time.time()
    tracing.mark("cli imported")
    tracing.mark("data channel attached")
    lines = [line.split(" ", 1) for line in trace.read_text().splitlines()]
    assert [step for _, step in lines] == ["cli imported", "data channel attached"]
    assert all(before - 1 <= float(stamp) <= time.time() + 1 for stamp, _ in lines)
    (config,) = tracing.trace_configs()
    assert len(config.on_connection_create_start) == 1 and len(config.on_connection_create_end) == 1
