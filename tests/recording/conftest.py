"""Fixtures for delivery tests: a real moto S3 server (tests/support/s3server.py) and in-process tether servers whose
delivery worker polls and backs off in fractions of a second."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from support.s3server import MotoServer

from tether.recording import delivery, s3
from tether.server import RunningServer, ServerConfig, start_server


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[MotoServer]:
    """A moto server on a free port, not started: tests decide when storage is up."""
    server = MotoServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fast_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "POLL_INTERVAL", 0.1)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 0.2)
    monkeypatch.setattr(delivery, "BACKOFF_MAX", 1.0)
    monkeypatch.setattr(delivery, "AUDIT_INTERVAL", 0.2)
    monkeypatch.setattr(delivery, "AUDIT_SETTLE", timedelta(0))
    # botocore's own retries (back-off from 1 s) would come on top of the worker's: one try per attempt here
    monkeypatch.setattr(s3, "MAX_ATTEMPTS", 1)


TetherFactory = Callable[[], Awaitable[RunningServer]]


@pytest.fixture
async def tether(tmp_path: Path, fast_delivery: None) -> AsyncIterator[TetherFactory]:
    """Start a tether server (no TLS) on a data directory shared by every call: a second call after `.stop()` is
    a restart."""
    started: list[RunningServer] = []

    async def start() -> RunningServer:
        config = ServerConfig(data_dir=tmp_path / "data", listen_port=0, tls=False, drain_timeout=1.0)
        server = await start_server(config)
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()
