"""Fixtures for the client tests: an isolated environment, TLS material, and the fake servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.tls import loopback_tls

from tether.auth.tls import ServerTLS

from .client_fakes import FakeTether
from .forward_fakes import ForwardFake


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No TETHER_* setting of the developer's leaks in; the profile file lives in the test's directory."""
    for name in list(os.environ):
        if name.startswith("TETHER_"):
            monkeypatch.delenv(name)
    config = tmp_path / "home" / ".tether" / "config.toml"
    monkeypatch.setenv("TETHER_CONFIG_FILE", str(config))
    return config


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> ServerTLS:
    return loopback_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake(tls: ServerTLS) -> Iterator[FakeTether]:
    server = FakeTether(tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ffake(tls: ServerTLS) -> Iterator[ForwardFake]:
    """The fake server with forwarding sessions (and a fake agent behind them)."""
    server = ForwardFake(tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()
