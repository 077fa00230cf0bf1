"""Where the CLI keeps local state: XDG base directories with the usual defaults, the old ~/.tether still read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tether.agent.config import ROOT_STATE_DIR, default_state_dir
from tether.cli.demo import default_data_dir
from tether.client.profile import _cache_file, config_path, load_profiles

XDG = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with no XDG variables and no TETHER_* settings."""
    for name in (*XDG, *[k for k in os.environ if k.startswith("TETHER_")]):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def _configure(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_") and k not in XDG}
    return subprocess.run(
        [sys.executable, "-m", "tether", "configure", "--server", "https://tether.example:8443",
         "--access-key-id", "LTAIexample", "--access-key-secret", "s3cret"],
        capture_output=True, text=True, env={**clean, "HOME": str(home), **env}, timeout=60, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_configure_writes_the_profile_under_xdg_config_home(home: Path) -> None:
    assert config_path() == home / ".config" / "tether" / "config.toml"
    done = _configure(home)
    assert done.returncode == 0, done.stderr
    written = home / ".config" / "tether" / "config.toml"
    assert written.exists() and written.stat().st_mode & 0o777 == 0o600
    assert not (home / ".tether").exists()

    custom = home / "xdg-config"
    done = _configure(home, XDG_CONFIG_HOME=str(custom))
    assert done.returncode == 0, done.stderr
    assert (custom / "tether" / "config.toml").exists()


def test_an_old_profile_file_keeps_working_until_the_new_one_exists(home: Path) -> None:
    legacy = home / ".tether" / "config.toml"
    legacy.parent.mkdir()
    legacy.write_text('current = "old"\n[profiles.old]\nmode = "AK"\nserver = "https://old.example"\n')
    assert config_path() == legacy
    assert "old" in load_profiles()[0]
    done = _configure(home)  # writes to the file in use, the old one
    assert done.returncode == 0, done.stderr
    assert not (home / ".config" / "tether" / "config.toml").exists()
    assert load_profiles(legacy)[0]["old"].server == "https://tether.example:8443"  # the current profile, updated

    new = home / ".config" / "tether" / "config.toml"
    new.parent.mkdir(parents=True)
    new.write_text('[profiles.new]\nmode = "AK"\n')
    assert config_path() == new  # once the XDG file exists it wins


def test_relative_xdg_values_are_ignored_and_explicit_file_wins(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert config_path() == home / ".config" / "tether" / "config.toml"
    monkeypatch.setenv("TETHER_CONFIG_FILE", str(home / "elsewhere.toml"))
    assert config_path() == home / "elsewhere.toml"


def test_credential_cache_follows_xdg_cache_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = _cache_file(config_path(), "https://creds.example/", os.environ)
    assert default is not None and default.parent == home / ".cache" / "tether"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "c"))
    cached = _cache_file(config_path(), "https://creds.example/", os.environ)
    assert cached is not None and cached.parent == home / "c" / "tether"
    explicit = home / "p" / "config.toml"  # TETHER_CONFIG_FILE or the old file: its own cache beside it
    beside = _cache_file(explicit, "https://creds.example/", os.environ)
    assert beside is not None and beside.parent == home / "p" / "cache"


def test_demo_data_follows_xdg_data_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_data_dir() == home / ".local" / "share" / "tether" / "demo"
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    assert default_data_dir() == home / "data" / "tether" / "demo"


def test_agent_state_as_a_user_follows_xdg_state_home_and_root_stays_in_var_lib(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # the same process cannot drop to a user and import tether
    assert default_state_dir() == home / ".local" / "state" / "tether-agent"
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    assert default_state_dir() == home / "state" / "tether-agent"
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert default_state_dir() == ROOT_STATE_DIR
    monkeypatch.setenv("TETHER_AGENT_STATE_DIR", str(home / "agent"))
    assert default_state_dir() == home / "agent"
