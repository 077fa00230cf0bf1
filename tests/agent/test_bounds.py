"""The agent's own bounds: what even its server may not make it do (tether.agent.bounds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tether.agent.bounds import (
    DEFAULT_FORWARD_TARGETS,
    BoundRefused,
    check_command,
    check_data_url,
    check_forward_target,
    check_login_user,
    parse_target_pattern,
)
from tether.agent.config import AgentSettings, ConfigError
from tether.cli import cli


def refused(call: object, *args: object, **kw: object) -> str:
    with pytest.raises(BoundRefused) as info:
        call(*args, **kw)  # type: ignore[operator]
    return info.value.code


def test_default_forward_targets_are_this_machine_only() -> None:
    targets = list(DEFAULT_FORWARD_TARGETS)
    for host, port in (("127.0.0.1", 22), ("127.0.0.2", 6379), ("::1", 5432), ("localhost", 80)):
        check_forward_target(host, port, targets)
    for host, port in (("10.0.0.5", 6379), ("redis.internal", 6379), ("169.254.169.254", 80), ("::2", 22)):
        assert refused(check_forward_target, host, port, targets) == "Bounds.ForwardTarget"
    assert AgentSettings().forward_targets == targets


def test_patterns_hosts_networks_and_port_ranges() -> None:
    targets = ["db-*.internal:5432", "10.1.0.0/16:8000-8100", "[fd00::/8]:443"]
    check_forward_target("db-1.internal", 5432, targets)
    check_forward_target("DB-2.Internal.", 5432, targets)
    check_forward_target("10.1.2.3", 8050, targets)
    check_forward_target("fd12::1", 443, targets)
    check_forward_target("::ffff:10.1.2.3", 8000, targets)  # IPv4-mapped counts as IPv4
    assert refused(check_forward_target, "db-1.internal", 5433, targets) == "Bounds.ForwardTarget"
    assert refused(check_forward_target, "10.2.0.1", 8050, targets) == "Bounds.ForwardTarget"
    assert refused(check_forward_target, "10.1.2.3", 8101, targets) == "Bounds.ForwardTarget"
    # a host name never matches an IP pattern, nor an IP a name pattern
    assert refused(check_forward_target, "10.1.2.3", 5432, ["*:5432"]) == "Bounds.ForwardTarget"
    assert refused(check_forward_target, "anything", 22, []) == "Bounds.ForwardTarget"


@pytest.mark.parametrize("bad", ["nohost", "host:", ":22", "h:0", "h:9-1", "h:70000", "[::1:22", "a b:22", "h:x"])
def test_bad_patterns_are_refused_when_settings_load(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_target_pattern(bad)
    with pytest.raises(ConfigError, match="forward_targets"):
        AgentSettings.from_dict({"forward_targets": [bad]})


def test_commands_can_be_turned_off() -> None:
    check_command(None, False)
    check_command("id", True)
    assert refused(check_command, "id", False) == "Bounds.Command"


def test_root_needs_allow_root_login_and_to_be_named() -> None:
    kw = {"default_user": "tether-user", "allowed_users": ["*"], "allow_root": True}
    assert refused(check_login_user, "root", 0, **kw) == "InvalidUser.NotAllowed"  # "*" never means root
    check_login_user("root", 0, default_user="tether-user", allowed_users=["root"], allow_root=True)
    assert refused(check_login_user, "root", 0, default_user="x", allowed_users=["root"], allow_root=False)
    check_login_user("ops", 1001, **kw)
    assert refused(check_login_user, "ops", 1001, default_user="tether-user", allowed_users=[], allow_root=False)
    check_login_user("tether-user", 1000, default_user="tether-user", allowed_users=[], allow_root=False)


def test_data_channel_must_be_the_registered_server() -> None:
    server = "https://tether.example.com:8443"
    check_data_url("wss://tether.example.com:8443/agent/v1/data/s-1", server, [])
    check_data_url("wss://TETHER.example.com.:9443/agent/v1/data/s-1", server, [])  # another node, same name
    assert refused(check_data_url, "wss://evil.example.net/agent/v1/data/s-1", server, []) == "Bounds.DataChannelHost"
    check_data_url("wss://node2.tether.example.com/agent/v1/data/s-1", server, ["*.tether.example.com"])
    assert refused(check_data_url, "wss:///x", server, ["*"]) == "Bounds.DataChannelHost"


def test_register_options_are_saved_and_bad_targets_are_usage_errors(tmp_path: Path) -> None:
    from tether.cli.agent_cmds import apply_bounds

    settings = apply_bounds(
        AgentSettings(),
        {"default_user_sudo": False, "allow_commands": False, "forward_targets": ("10.0.0.0/8:5432",),
         "allowed_users": ("ops",), "data_channel_hosts": (), "allow_root_login": None},
    )  # fmt: skip
    assert (settings.default_user_sudo, settings.allow_commands) == (False, False)
    assert settings.forward_targets == ["10.0.0.0/8:5432"] and settings.allowed_users == ["ops"]
    assert settings.allow_root_login is False and settings.data_channel_hosts == []

    result = CliRunner().invoke(
        cli,
        ["agent", "register", "--server", "https://127.0.0.1:1", "--activation-id", "a", "--activation-code", "c",
         "--state-dir", str(tmp_path / "s"), "--forward-target", "no-port"],
    )  # fmt: skip
    assert result.exit_code == 2 and "--forward-target" in result.output and "HOST:PORT" in result.output
    assert not (tmp_path / "s").exists()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(alphabet="0123456789.:abcdef[]/*-", max_size=40))
def test_pattern_parser_only_ever_says_valueerror(text: str, shaped: str) -> None:
    """Whatever an operator writes, the parser answers a pattern or a ValueError naming the entry."""
    for candidate in (text, shaped, f"{shaped}:22"):
        try:
            pattern = parse_target_pattern(candidate)
        except ValueError as e:
            assert "HOST:PORT" in str(e) or repr(candidate.strip()) in str(e)
        else:
            assert 1 <= pattern.low <= pattern.high <= 65535
            pattern.matches("127.0.0.1", 22)
            pattern.matches("host.example", 22)
