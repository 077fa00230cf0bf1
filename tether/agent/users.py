"""Which local user a session runs as, and keeping the default login user and its sudo rule as configured.

Policy (the server authorises *who* may ask for a user; the machine decides *which* users it hands out at all, see
`tether.agent.bounds`):
- no Username, or the configured default: the default user (`tether-user`). Every agent start converges it
  (`converge_default_user`): the account is created when missing (we are root), and its password-less sudo drop-in
  is installed (validated) when `default_user_sudo` is on, removed when it is off. People get an unprivileged shell
  and escalate visibly, and an administrator can turn escalation off;
- another name: only if listed in `allowed_users` (or the list holds `"*"`) and the account exists;
- any uid-0 account: only with `allow_root_login` on top and named explicitly, because a root shell bypasses
  everything else;
- an agent that is not root cannot switch users at all: shells run as the agent's own user and a request for a
  different one fails with a message saying why.

What the agent then knows about its default user (`Identity`: the name, whether it really can sudo, and notices for
people such as "sudo is not installed") goes to the server at registration and in every hello, so policies
(`ecs:Username`, `ecs:Sudo`), `tether instances` and the demo's terminal see the truth.
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tether.agent.bounds import BoundRefused, check_login_user
from tether.agent.config import AgentSettings
from tether.agent.errors import AgentError

log = logging.getLogger(__name__)

SUDOERS_DIR = Path("/etc/sudoers.d")
USERADD_TIMEOUT = 30.0
_USERNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$")

_create_lock = threading.Lock()
_warned_not_root = False


class LoginError(AgentError):
    """The session cannot run as the requested user; `code` goes into `session_failed` (or `push_key_result`)."""


@dataclass(frozen=True, slots=True)
class LoginUser:
    """A resolved account: everything needed to start a login shell as it."""

    name: str
    uid: int
    gid: int
    home: str
    shell: str
    groups: tuple[int, ...]

    @classmethod
    def from_pwd(cls, entry: pwd.struct_passwd) -> LoginUser:
        try:
            groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
        except OSError:
            groups = (entry.pw_gid,)
        return cls(
            name=entry.pw_name,
            uid=entry.pw_uid,
            gid=entry.pw_gid,
            home=entry.pw_dir or "/",
            shell=entry.pw_shell or "/bin/sh",
            groups=groups,
        )


def valid_user_name(name: str) -> bool:
    """POSIX portable user names plus the common `$` suffix for machine accounts.

    The one check in front of everything that passes a user name to a tool (`useradd`) or into a path (the managed
    authorized-keys file `ssh-keys/NAME`).
    """
    return _USERNAME.match(name) is not None


def _lookup(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except (KeyError, ValueError):
        return None


def resolve_login_user(requested: str | None, settings: AgentSettings, *, is_root: bool | None = None) -> LoginUser:
    """Apply the policy above and return the account to run as; raise `LoginError` saying why not.

    Blocking (may run `useradd` and `visudo`): call it in a worker thread from async code.
    """
    if is_root is None:
        is_root = os.geteuid() == 0
    if requested == "":
        requested = None
    if requested is not None and not valid_user_name(requested):
        raise LoginError("InvalidUser.Malformed", f"{requested!r} is not a valid user name")

    if not is_root:
        own = pwd.getpwuid(os.geteuid())
        warn_if_not_root()
        if requested is not None and requested != own.pw_name:
            raise LoginError(
                "InvalidUser.NotAllowed",
                f"the agent runs as {own.pw_name!r} without root, so it cannot start a shell as {requested!r}",
            )
        return LoginUser.from_pwd(own)

    name = requested or settings.default_user
    entry: pwd.struct_passwd | None
    if name == settings.default_user:
        entry = _lookup(name)
        if entry is None:
            entry = create_default_user(name)
            sync_sudoers(name, settings.default_user_sudo)
        allow_key_logins(name)
    else:
        _check_bounds(name, uid=-1, settings=settings)
        entry = _lookup(name)
        if entry is None:
            raise LoginError("InvalidUser.NotFound", f"user {name!r} does not exist on this machine")
    _check_bounds(name, uid=entry.pw_uid, settings=settings)
    return LoginUser.from_pwd(entry)


def _check_bounds(name: str, *, uid: int, settings: AgentSettings) -> None:
    """The agent's user bounds as a `LoginError` (uid -1: not looked up yet, so only the allow-list is checked)."""
    try:
        check_login_user(
            name,
            uid,
            default_user=settings.default_user,
            allowed_users=settings.allowed_users,
            allow_root=settings.allow_root_login,
        )
    except BoundRefused as e:
        raise LoginError(e.code, e.message) from None


@dataclass(frozen=True, slots=True)
class Identity:
    """What the agent reports about its default login user: name, whether it can sudo, notices for people."""

    default_user: str
    default_user_sudo: bool
    notices: tuple[str, ...] = ()


def sudo_binary() -> str | None:
    """The `sudo` program, or None when sudo is not installed (a drop-in alone then grants nothing)."""
    return shutil.which("sudo") or next((p for p in ("/usr/bin/sudo", "/bin/sudo") if os.path.exists(p)), None)


def _drop_in(name: str, sudoers_dir: Path) -> Path:
    # A dot in the final name would make sudo skip the file; user names may contain one.
    return sudoers_dir / name.replace(".", "_")


def sudoers_rule(name: str) -> str:
    return f"# Installed by the tether agent: the default login user may use sudo.\n{name} ALL=(ALL) NOPASSWD:ALL\n"


def has_drop_in(name: str, sudoers_dir: Path = SUDOERS_DIR) -> bool:
    """Whether the agent's sudoers drop-in for `name` is in place with the agent's rule."""
    try:
        return _drop_in(name, sudoers_dir).read_text(encoding="utf-8") == sudoers_rule(name)
    except OSError:
        return False


def sync_sudoers(name: str, wanted: bool, sudoers_dir: Path = SUDOERS_DIR) -> list[str]:
    """Make the drop-in for `name` match `wanted` (install it, or remove the agent's own); return notices.

    Idempotent, so it runs on every start: an account made by hand, or while sudo was missing, gets its rule once
    sudo is there; turning `default_user_sudo` off takes the rule away. A file that is not the agent's rule is left
    alone when removing (an administrator wrote it), and reported.
    """
    notices: list[str] = []
    if wanted:
        if sudo_binary() is None:
            notices.append(f"sudo is not installed: the login user {name} has no sudo")
            return notices
        if not has_drop_in(name, sudoers_dir) and not install_sudoers(name, sudoers_dir):
            notices.append(f"sudo is not set up (no {sudoers_dir} or visudo): the login user {name} has no sudo")
        return notices
    target = _drop_in(name, sudoers_dir)
    if has_drop_in(name, sudoers_dir):
        target.unlink(missing_ok=True)
        log.info("removed %s (default_user_sudo is off)", target)
    elif target.exists():
        notices.append(f"{target} exists but was not written by the agent: {name} may still have sudo rights")
    return notices


def converge_default_user(settings: AgentSettings, *, is_root: bool | None = None) -> Identity:
    """At every agent start: make the default user and its sudo rule what `settings` say; return the identity.

    Never raises: what cannot be done becomes a notice (and a log line), because a missing useradd or sudo must not
    keep the agent from connecting and telling people so. Blocking: run it in a worker thread from async code.
    """
    if is_root is None:
        is_root = os.geteuid() == 0
    if not is_root:
        own = pwd.getpwuid(os.geteuid()).pw_name
        # We cannot tell what the operator's sudoers give this account: assume the worst for policy (`ecs:Sudo`).
        can = sudo_binary() is not None
        return Identity(own, can, (f"the agent does not run as root: every shell runs as {own}",))
    name = settings.default_user
    notices: list[str] = []
    try:
        entry = _lookup(name) or create_default_user(name)
    except LoginError as e:
        log.warning("cannot create the default login user: %s", e.message)
        return Identity(name, False, (f"the login user {name} could not be created: {e.message}",))
    allow_key_logins(name)
    if entry.pw_uid == 0:
        return Identity(name, True, (f"the default login user {name} is root",))
    try:
        notices += sync_sudoers(name, settings.default_user_sudo)
    except LoginError as e:
        notices.append(f"the sudo rule for {name} could not be installed: {e.message}")
    for notice in notices:
        log.warning("%s", notice)
    can_sudo = settings.default_user_sudo and sudo_binary() is not None and has_drop_in(name)
    return Identity(name, can_sudo, tuple(notices))


def inspect_default_user(settings: AgentSettings, *, is_root: bool | None = None) -> Identity:
    """The identity as things stand, changing nothing (registration happens before the first start)."""
    if is_root is None:
        is_root = os.geteuid() == 0
    if not is_root:
        own = pwd.getpwuid(os.geteuid()).pw_name
        return Identity(own, sudo_binary() is not None, (f"the agent does not run as root: every shell runs as {own}",))
    name = settings.default_user
    entry = _lookup(name)
    if entry is not None and entry.pw_uid == 0:
        return Identity(name, True, (f"the default login user {name} is root",))
    notices: list[str] = []
    if settings.default_user_sudo and sudo_binary() is None:
        notices.append(f"sudo is not installed: the login user {name} has no sudo")
    # After the first start the drop-in is there exactly when default_user_sudo is on and sudo is installed.
    return Identity(name, settings.default_user_sudo and sudo_binary() is not None, tuple(notices))


_key_logins_checked: set[str] = set()


def warn_if_not_root() -> None:
    """Log, once per process, that without root every shell runs as the agent's own user."""
    global _warned_not_root
    if os.geteuid() != 0 and not _warned_not_root:
        _warned_not_root = True
        name = pwd.getpwuid(os.geteuid()).pw_name
        log.warning("the agent is not running as root: all shells run as %r and other users cannot be used", name)


def create_default_user(name: str) -> pwd.struct_passwd:
    """Create the default login user with a home and bash (its sudo rule is `sync_sudoers`'s job).

    Serialised by a lock so two sessions opened at once do not race two `useradd`s.
    """
    with _create_lock:
        entry = _lookup(name)
        if entry is not None:
            return entry
        shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
        try:
            proc = subprocess.run(
                # password "*": no password can ever match, but the account is not *locked* ("!"), which sshd
                # without PAM treats as "invalid user" even for key logins (temporary SSH keys)
                ["useradd", "--create-home", "--shell", shell, "--password", "*", name],
                capture_output=True,
                text=True,
                timeout=USERADD_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise LoginError("InvalidUser.CreateFailed", f"cannot run useradd to create {name!r}: {e}") from None
        # Exit status 9 = the name is already in use: someone else created it meanwhile, which is fine.
        if proc.returncode not in (0, 9):
            raise LoginError(
                "InvalidUser.CreateFailed",
                f"useradd {name} failed ({proc.returncode}): {proc.stderr.strip()[:300]}",
            )
        entry = _lookup(name)
        if entry is None:
            raise LoginError("InvalidUser.CreateFailed", f"useradd reported success but {name!r} does not exist")
        log.info("created the login user %r", name)
        return entry


def allow_key_logins(name: str, shadow: Path = Path("/etc/shadow")) -> None:
    """Turn a locked, password-less default user ("!" from an older useradd) into "*": no password, not locked.

    Done once per process. Only the agent's own default user is touched; a password or a deliberate lock with a
    hash behind it ("!$6$...") is left alone.
    """
    if name in _key_logins_checked:
        return
    _key_logins_checked.add(name)
    try:
        for line in shadow.read_text().splitlines():
            fields = line.split(":")
            if len(fields) > 1 and fields[0] == name:
                if fields[1] in ("!", "!!", "!*"):
                    subprocess.run(
                        ["usermod", "--password", "*", name], capture_output=True, timeout=USERADD_TIMEOUT, check=False
                    )
                    log.info("unlocked %r for SSH key logins (it has no password)", name)
                return
    except (OSError, subprocess.TimeoutExpired) as e:
        log.warning("cannot check whether %r may log in with SSH keys: %s", name, e)


def install_sudoers(name: str, sudoers_dir: Path = SUDOERS_DIR) -> bool:
    """Install `NAME ALL=(ALL) NOPASSWD:ALL` as `sudoers_dir/NAME`, validated before it can take effect.

    A syntax error in any sudoers file disables sudo for everyone, so the rule is written to a temp file whose name
    contains a dot (sudo ignores such files in includedir), checked with `visudo -cf`, given mode 0440 and only then
    renamed into place atomically. Returns False (and logs) when sudo is not installed.
    """
    visudo = shutil.which("visudo") or ("/usr/sbin/visudo" if os.path.exists("/usr/sbin/visudo") else None)
    if not sudoers_dir.is_dir() or visudo is None:
        log.warning("sudo is not installed (no %s or visudo): %r gets no sudo rights", sudoers_dir, name)
        return False
    target = _drop_in(name, sudoers_dir)
    fd, tmp = tempfile.mkstemp(prefix=".tether-", suffix=".tmp", dir=sudoers_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(sudoers_rule(name))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o440)
        check = subprocess.run([visudo, "-cf", tmp], capture_output=True, text=True, timeout=30, check=False)
        if check.returncode != 0:
            raise LoginError(
                "InvalidUser.SudoersFailed", f"visudo rejected the sudoers rule for {name!r}: {check.stdout.strip()}"
            )
        os.replace(tmp, target)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise LoginError("InvalidUser.SudoersFailed", f"cannot install {target}: {e}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("installed %s", target)
    return True
