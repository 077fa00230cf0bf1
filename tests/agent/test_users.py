"""Login-user policy and creating the default user with a validated sudoers drop-in."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from tether.agent import users
from tether.agent.config import AgentSettings
from tether.agent.users import (
    LoginError,
    converge_default_user,
    has_drop_in,
    inspect_default_user,
    install_sudoers,
    resolve_login_user,
    sync_sudoers,
)

from .conftest import root_only


def code_of(requested: str | None, settings: AgentSettings, **kw: bool) -> str:
    with pytest.raises(LoginError) as info:
        resolve_login_user(requested, settings, **kw)
    return info.value.code


@root_only
@pytest.mark.root
def test_default_user_exists_with_sudo_drop_in() -> None:
    identity = converge_default_user(AgentSettings())
    assert identity.default_user == "tether-user" and identity.default_user_sudo and not identity.notices
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


def _fresh_user(name: str) -> None:
    """A hand-made account without the agent's drop-in (dedicated names: other tests share tether-user)."""
    if subprocess.run(["id", name], capture_output=True, check=False).returncode != 0:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True, capture_output=True)
    (Path("/etc/sudoers.d") / name).unlink(missing_ok=True)


@root_only
@pytest.mark.root
def test_every_start_converges_an_existing_user_without_the_drop_in() -> None:
    """Finding 16: the account exists (made by hand, or while sudo was missing): the next start adds the rule."""
    name = "tether-h1unit"
    _fresh_user(name)
    settings = AgentSettings(default_user=name)
    assert inspect_default_user(settings).default_user_sudo  # what it will be once converged
    identity = converge_default_user(settings)
    assert identity.default_user_sudo and has_drop_in(name)
    assert converge_default_user(settings) == identity  # idempotent
    assert subprocess.run(["visudo", "-c"], capture_output=True).returncode == 0


@root_only
@pytest.mark.root
def test_default_user_sudo_off_removes_the_agents_rule_only() -> None:
    name = "tether-h1nosudo"
    _fresh_user(name)
    converge_default_user(AgentSettings(default_user=name))
    assert has_drop_in(name)
    identity = converge_default_user(AgentSettings(default_user=name, default_user_sudo=False))
    assert not identity.default_user_sudo and not (Path("/etc/sudoers.d") / name).exists()
    listed = subprocess.run(["sudo", "-n", "-l", "-U", name], capture_output=True, text=True)
    assert "NOPASSWD" not in listed.stdout


def test_sync_sudoers_keeps_a_foreign_file_and_says_so(tmp_path: Path) -> None:
    foreign = tmp_path / "someone"
    foreign.write_text("someone ALL=(ALL) ALL\n")
    notices = sync_sudoers("someone", False, tmp_path)
    assert foreign.exists() and notices and "not written by the agent" in notices[0]


def test_missing_sudo_is_a_notice_for_people(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(users, "sudo_binary", lambda: None)
    notices = sync_sudoers("tether-user", True, tmp_path)
    assert notices == ["sudo is not installed: the login user tether-user has no sudo"]
    assert list(tmp_path.iterdir()) == []
    identity = inspect_default_user(AgentSettings(), is_root=True)
    assert not identity.default_user_sudo and "sudo is not installed" in identity.notices[0]
