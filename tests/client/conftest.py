"""Fixtures for the client tests: an isolated environment, TLS material, and the fake server."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from client_fakes import FakeTether

from tether.auth.tls import ServerTLS, ensure_server_tls


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
    return ensure_server_tls(tmp_path_factory.mktemp("tls"), ["127.0.0.1", "localhost"])


@pytest.fixture
def fake(tls: ServerTLS) -> Iterator[FakeTether]:
    server = FakeTether(tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()
