"""Login-user policy and creating the default user with a validated sudoers drop-in."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from tether.agent.config import AgentSettings
from tether.agent.users import LoginError, install_sudoers, resolve_login_user

from .conftest import root_only


def code_of(requested: str | None, settings: AgentSettings, **kw: bool) -> str:
    with pytest.raises(LoginError) as info:
        resolve_login_user(requested, settings, **kw)
    return info.value.code


@root_only
@pytest.mark.root
def test_default_user_exists_with_sudo_drop_in() -> None:
    user = resolve_login_user(None, AgentSettings())
    assert user.name == "tether-user" and user.uid != 0
    assert user.home == "/home/tether-user" and Path(user.home).is_dir()
    assert user.shell == "/bin/bash"
    drop_in = Path("/etc/sudoers.d/tether-user")
    assert stat.S_IMODE(drop_in.stat().st_mode) == 0o440
    assert "tether-user ALL=(ALL) NOPASSWD:ALL" in drop_in.read_text()
    assert subprocess.run(["visudo", "-c"], capture_output=True).returncode == 0
    assert resolve_login_user("tether-user", AgentSettings()) == user


@root_only
@pytest.mark.root
def test_named_users_need_the_allow_list() -> None:
    existing = pwd.getpwuid(65534).pw_name  # nobody
    assert code_of(existing, AgentSettings()) == "InvalidUser.NotAllowed"
    assert resolve_login_user(existing, AgentSettings(allowed_users=[existing])).uid == 65534
    assert resolve_login_user(existing, AgentSettings(allowed_users=["*"])).uid == 65534
    assert code_of("no-such-user-xyz", AgentSettings(allowed_users=["*"])) == "InvalidUser.NotFound"


@root_only
@pytest.mark.root
def test_root_needs_allow_root_login() -> None:
    assert code_of("root", AgentSettings(allowed_users=["*"])) == "InvalidUser.NotAllowed"
    assert code_of("root", AgentSettings(allowed_users=["root"])) == "InvalidUser.NotAllowed"
    user = resolve_login_user("root", AgentSettings(allowed_users=["root"], allow_root_login=True))
    assert user.uid == 0


def test_malformed_names_are_refused() -> None:
    for bad in ("-rf", "a b", "x" * 40, "../etc", "a\0b"):
        assert code_of(bad, AgentSettings(allowed_users=["*"])) == "InvalidUser.Malformed"


def test_without_root_shells_run_as_the_agent_user() -> None:
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert resolve_login_user(None, AgentSettings(), is_root=False).name == me
    assert resolve_login_user(me, AgentSettings(), is_root=False).name == me
    other = "tether-user" if me != "tether-user" else "nobody"
    with pytest.raises(LoginError, match="without root") as info:
        resolve_login_user(other, AgentSettings(allowed_users=["*"]), is_root=False)
    assert info.value.code == "InvalidUser.NotAllowed"


@root_only
def test_install_sudoers_validates_and_renames(tmp_path: Path) -> None:
    assert install_sudoers("some.user", tmp_path)
    target = tmp_path / "some_user"
    assert stat.S_IMODE(target.stat().st_mode) == 0o440
    assert target.read_text().endswith("some.user ALL=(ALL) NOPASSWD:ALL\n")
    assert [p.name for p in tmp_path.iterdir()] == ["some_user"]


def test_install_sudoers_without_sudo_dir(tmp_path: Path) -> None:
    assert install_sudoers("x", tmp_path / "missing") is False
