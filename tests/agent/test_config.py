"""State directory and settings: round trip, permissions, defaults, validation."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tether.agent.config import AgentConfig, AgentSettings, ConfigError, default_state_dir, ensure_state_dir


def test_round_trip_with_relative_paths(tmp_path: Path) -> None:
    state = tmp_path / "state"
    settings = AgentSettings(allowed_users=["alice", "bob"], allow_root_login=True, backoff_cap=5.0)
    config = AgentConfig.new(state, "https://tether.example:8443", "mi-0123456789abcdef0", has_ca=True,
                             settings=settings)
    config.save()
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "agent.json").stat().st_mode) == 0o600
    raw = json.loads((state / "agent.json").read_text())
    assert raw["key_file"] == "agent.key" and raw["ca_cert"] == "ca.pem"
    loaded = AgentConfig.load(state)
    assert loaded == config
    # The directory can move: paths inside it follow.
    moved = tmp_path / "moved"
    state.rename(moved)
    assert AgentConfig.load(moved).key_file == moved / "agent.key"


def test_no_ca_means_system_store(tmp_path: Path) -> None:
    config = AgentConfig.new(tmp_path, "https://x", "mi-1", has_ca=False)
    config.save()
    assert AgentConfig.load(tmp_path).ca_cert is None


def test_defaults_and_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / "agent.json").write_text(json.dumps(
        {"server": "https://x", "instance_id": "mi-1", "settings": {"future_knob": 1}}
    ))
    config = AgentConfig.load(tmp_path)
    assert config.settings == AgentSettings()
    assert config.settings.default_user == "tether-user"
    assert config.settings.allowed_users == []
    assert config.settings.allow_root_login is False


def test_missing_config_says_register_first(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tether agent register"):
        AgentConfig.load(tmp_path)


@pytest.mark.parametrize(
    "settings",
    [{"allow_root_login": "yes"}, {"allowed_users": "alice"}, {"max_sessions": 0}, {"backoff_base": -1},
     {"default_user": ""}],
)
def test_bad_settings_rejected(tmp_path: Path, settings: dict[str, object]) -> None:
    (tmp_path / "agent.json").write_text(json.dumps({"server": "https://x", "instance_id": "mi-1",
                                                     "settings": settings}))
    with pytest.raises(ConfigError, match="settings"):
        AgentConfig.load(tmp_path)


def test_default_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TETHER_AGENT_STATE_DIR", str(tmp_path / "env"))
    assert default_state_dir() == tmp_path / "env"
    monkeypatch.delenv("TETHER_AGENT_STATE_DIR")
    expected = Path("/var/lib/tether-agent") if os.geteuid() == 0 else Path.home() / ".local/state/tether-agent"
    assert default_state_dir() == expected


def test_ensure_state_dir_fixes_mode(tmp_path: Path) -> None:
    d = tmp_path / "a" / "b"
    d.mkdir(parents=True, mode=0o755)
    os.chmod(d, 0o755)
    ensure_state_dir(d)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
