"""Fixtures for the tests of the `tether` command itself: no TETHER_* setting of the developer's leaks in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("TETHER_") or name.startswith("_TETHER"):
            monkeypatch.delenv(name)
    config = tmp_path / "home" / ".tether" / "config.toml"
    monkeypatch.setenv("TETHER_CONFIG_FILE", str(config))
    return config
