"""Which local user a session runs as, and creating the default login user on first use.

Policy (the server authorises *who* may ask for a user; the machine decides *which* users it hands out at all):
- no Username, or the configured default: the default user (`tether-user`), created on first use when we are root,
  with password-less sudo through a validated drop-in, so people get an unprivileged shell and escalate visibly;
- another name: only if listed in `allowed_users` (or the list holds `"*"`) and the account exists;
- any uid-0 account: only with `allow_root_login` on top, because a root shell bypasses everything else;
- an agent that is not root cannot switch users at all: shells run as the agent's own user and a request for a
  different one fails with a message saying why.
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
        entry = _lookup(name) or create_default_user(name)
        allow_key_logins(name)
    else:
        if "*" not in settings.allowed_users and name not in settings.allowed_users:
            raise LoginError(
                "InvalidUser.NotAllowed",
                f"login as {name!r} is not allowed on this machine (not in the agent's allowed_users)",
            )
        entry = _lookup(name)
        if entry is None:
            raise LoginError("InvalidUser.NotFound", f"user {name!r} does not exist on this machine")
    if entry.pw_uid == 0 and not settings.allow_root_login:
        raise LoginError("InvalidUser.NotAllowed", "root login is disabled on this machine (allow_root_login)")
    return LoginUser.from_pwd(entry)


_key_logins_checked: set[str] = set()


def warn_if_not_root() -> None:
    """Log, once per process, that without root every shell runs as the agent's own user."""
    global _warned_not_root
    if os.geteuid() != 0 and not _warned_not_root:
        _warned_not_root = True
        name = pwd.getpwuid(os.geteuid()).pw_name
        log.warning("the agent is not running as root: all shells run as %r and other users cannot be used", name)


def create_default_user(name: str) -> pwd.struct_passwd:
    """Create the default login user with a home and bash, and give it password-less sudo.

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
        install_sudoers(name)
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
    # A dot in the final name would make sudo skip the file; user names may contain one.
    target = sudoers_dir / name.replace(".", "_")
    fd, tmp = tempfile.mkstemp(prefix=".tether-", suffix=".tmp", dir=sudoers_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("# Installed by the tether agent: the default login user may use sudo.\n")
            f.write(f"{name} ALL=(ALL) NOPASSWD:ALL\n")
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
