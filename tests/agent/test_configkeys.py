"""`tether agent config` keys: values parsed and refused with the key named, agent.json rewritten safely."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest

from tether.agent.config import AgentConfig, AgentSettings
from tether.agent.configkeys import ConfigKeyError, change_setting, key_info, keys, parse_value, show_value
from tether.agent.reload import apply_reload


def _registered(tmp_path: Path) -> Path:
    AgentConfig.new(tmp_path, "https://tether.example:8443", "mi-1", has_ca=False).save()
    return tmp_path


def test_every_setting_is_a_key_with_its_kind() -> None:
    known = keys()
    assert set(known) == set(AgentSettings.__dataclass_fields__)
    assert known["forward_targets"].kind is list and known["forward_targets"].live
    assert known["default_user"].live is False and known["max_sessions"].kind is int


@pytest.mark.parametrize(
    ("key", "words", "value"),
    [
        ("allow_commands", ["off"], False),
        ("allow_root_login", ["Yes"], True),
        ("max_sessions", ["8"], 8),
        ("hangup_grace", ["0.5"], 0.5),
        ("allowed_users", ["alice,bob", "alice", "*"], ["alice", "bob", "*"]),
        ("forward_targets", [""], []),
        ("forward_targets", ["[::1]:8000-8100", "db-*.internal:443"], ["[::1]:8000-8100", "db-*.internal:443"]),
        ("default_user", ["ops"], "ops"),
    ],
)
def test_values_parse(key: str, words: list[str], value: object) -> None:
    assert parse_value(key, words) == value


@pytest.mark.parametrize(
    ("key", "words", "message"),
    [
        ("nope", ["1"], "'nope' is not an agent setting; the keys are: default_user,"),
        ("allow_commands", ["maybe"], "allow_commands: 'maybe' is not a yes/no value; allow_commands takes true or"),
        ("max_sessions", ["0"], "max_sessions: 0 is not above 0"),
        ("max_sessions", ["1", "2"], "max_sessions: expected one value, got 2"),
        ("backoff_cap", ["-1"], "backoff_cap: '-1' is not 0 or more"),
        ("forward_targets", ["localhost"], "forward_targets: 'localhost' is not HOST:PORT"),
        ("allowed_users", ["bad name"], "allowed_users: 'bad name' is not a valid user name"),
        ("data_channel_hosts", ["https://x"], "data_channel_hosts: 'https://x' is not a host name"),
        ("sshd_binary", ["sshd"], "sshd_binary: 'sshd' is not an absolute path"),
    ],
)
def test_bad_values_name_the_key_and_what_it_takes(key: str, words: list[str], message: str) -> None:
    with pytest.raises(ConfigKeyError) as excinfo:
        parse_value(key, words)
    assert message in str(excinfo.value)


def test_change_setting_writes_atomically_and_unset_restores_the_default(tmp_path: Path) -> None:
    state = _registered(tmp_path)
    old, new, path = change_setting(state, "allowed_users", ["alice"])
    assert (old, new) == ([], ["alice"])
    assert json.loads(path.read_text())["settings"]["allowed_users"] == ["alice"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert not [p for p in state.iterdir() if p.name.startswith(".agent.json.")]  # no temp file left
    change_setting(state, "allowed_users", None)
    assert AgentConfig.load(state).settings.allowed_users == []
    assert show_value(key_info("forward_targets").default) == "localhost:*,127.0.0.0/8:*,[::1]:*"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_change_setting_keeps_the_files_owner(tmp_path: Path) -> None:
    state = _registered(tmp_path)
    nobody = pwd.getpwnam("nobody")
    os.chown(state / "agent.json", nobody.pw_uid, nobody.pw_gid)
    change_setting(state, "allow_commands", False)
    st = (state / "agent.json").stat()
    assert (st.st_uid, st.st_gid) == (nobody.pw_uid, nobody.pw_gid)


def test_reload_applies_live_keys_and_reports_the_rest() -> None:
    current = AgentSettings()
    fresh = AgentSettings(forward_targets=["db:5432"], default_user="ops", allow_commands=False)
    adjusted = AgentSettings(forward_targets=["db:5432"], default_user="ops", allow_commands=True)  # a run option
    result = apply_reload(current, fresh, adjusted, 42)
    assert (result.applied, result.restart, result.overridden) == (["forward_targets"], ["default_user"],
                                                                   ["allow_commands"])
    assert current.forward_targets == ["db:5432"] and current.default_user == AgentSettings().default_user
