"""What sshd must be told so it reads the agent's temporary keys, and whether the running configuration does.

The agent never edits sshd_config itself (a broken sshd_config locks everybody out, and configuration management
usually owns that file). Instead `tether agent sshd-config` prints the one line an operator adds, and the agent
checks the *effective* configuration with `sshd -T` (what sshd would really use for this user, after Include files
and Match blocks) at start and before every key push, so a push into a file nobody reads fails loudly with the line
to add instead of silently doing nothing.

sshd opens authorized-keys files as the target user and, with StrictModes (the default), refuses a file when it or
any directory above it is writable by group/others or owned by someone other than root or that user. `path_problem`
applies the same rules, so the agent can say *why* sshd would ignore the file.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tether.agent.config import SSH_KEYS_DIR

log = logging.getLogger(__name__)

DEFAULT_KEY_FILES = (".ssh/authorized_keys", ".ssh/authorized_keys2")  # sshd's compiled-in default
SSHD_TIMEOUT = 10.0
_VERSION = re.compile(r"OpenSSH_(\d+)\.(\d+)")
_UNSAFE_PATH = re.compile(r"[\s\"'%\\#]")


class SshdConfigError(ValueError):
    """The state directory's path cannot be written into sshd_config (whitespace, quotes, `%`).

    No code: the message is all anybody acts on, either as the CLI's error line (`tether agent sshd-config`) or as
    the `problem` of a check, which a refused push reports under its own code (`SshdNotConfigured`).
    """


@dataclass(frozen=True, slots=True)
class SshdStatus:
    """The outcome of a check: `ok`, or `problem` saying what is wrong and what to do."""

    ok: bool
    problem: str = ""


def keys_dir(state_dir: Path) -> Path:
    """Where the managed authorized-keys files live: `STATE_DIR/ssh-keys/USERNAME`."""
    return state_dir.expanduser().absolute() / SSH_KEYS_DIR


def keys_pattern(state_dir: Path) -> str:
    """The AuthorizedKeysFile token for the managed files (`%u` is the user name, expanded by sshd)."""
    directory = str(keys_dir(state_dir))
    if _UNSAFE_PATH.search(directory):
        raise SshdConfigError(
            f"the state directory {directory!r} contains whitespace, quotes, '#' or '%', which sshd_config "
            "cannot express safely; use a plain path such as /var/lib/tether-agent"
        )
    return f"{directory}/%u"


def config_lines(state_dir: Path) -> list[str]:
    """The sshd_config lines that make sshd read the agent's keys as well as the users' own files.

    Printed by `tether agent sshd-config` so `>> /etc/ssh/sshd_config` (or `> /etc/ssh/sshd_config.d/tether.conf`)
    works: a comment and one AuthorizedKeysFile line that keeps sshd's default files first.
    """
    return [
        "# tether agent: also accept the temporary keys the agent manages (see `tether agent sshd-config`)",
        "AuthorizedKeysFile " + " ".join((*DEFAULT_KEY_FILES, keys_pattern(state_dir))),
    ]


def effective_config(sshd_binary: str, sshd_config: str, user: str) -> dict[str, str]:
    """`sshd -T` for a connection as `user` from localhost: keyword (lower case) -> value.

    Raises OSError (no sshd) or RuntimeError (sshd refused to run or timed out).
    """
    if not os.access(sshd_binary, os.X_OK):
        raise FileNotFoundError(f"{sshd_binary} is not installed (temporary SSH keys need OpenSSH's sshd)")
    args = [sshd_binary, "-T", "-f", sshd_config, "-C", f"user={user},host=localhost,addr=127.0.0.1"]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=SSHD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"`sshd -T` did not answer within {SSHD_TIMEOUT:g} seconds") from None
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise RuntimeError(f"`{sshd_binary} -T -f {sshd_config}` failed: {detail[:300]}")
    values: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            values.setdefault(key.lower(), value.strip())
    return values


def check_sshd(sshd_binary: str, sshd_config: str, state_dir: Path, user: str) -> SshdStatus:
    """Whether sshd, as configured now, reads `STATE_DIR/ssh-keys/USER` for `user` with public-key logins on.

    Blocking (runs `sshd -T`): call it in a worker thread from async code.
    """
    try:
        pattern = keys_pattern(state_dir)
    except SshdConfigError as e:
        return SshdStatus(False, str(e))
    try:
        values = effective_config(sshd_binary, sshd_config, user)
    except (OSError, RuntimeError) as e:
        return SshdStatus(False, f"cannot check the sshd configuration: {e}")
    wanted = " ".join((*DEFAULT_KEY_FILES, pattern))
    if values.get("pubkeyauthentication", "yes") != "yes":
        return SshdStatus(False, f"PubkeyAuthentication is off in {sshd_config}; set it to yes")
    files = values.get("authorizedkeysfile", " ".join(DEFAULT_KEY_FILES)).split()
    if pattern not in files:
        current = " ".join(files) or "(none)"
        return SshdStatus(
            False,
            f"sshd does not read the agent's temporary keys for {user!r}: add {pattern} to AuthorizedKeysFile "
            f"(effective value: {current}), e.g. `AuthorizedKeysFile {wanted}` in {sshd_config} "
            "(`tether agent sshd-config` prints it), then reload sshd",
        )
    return SshdStatus(True)


def path_problem(path: Path, uid: int) -> str | None:
    """Why sshd (StrictModes, reading as `uid`) would refuse the file at `path`, or None if it would read it.

    Mirrors OpenSSH's safe_path(): every directory up to `/` must be owned by root or the user and not writable by
    group or others; we also check the user may traverse each of them, because sshd opens the file as the user.
    """
    current = path.parent
    while True:
        try:
            st = current.stat()
        except OSError as e:
            return f"cannot inspect {current}: {e.strerror}"
        mode = stat.S_IMODE(st.st_mode)
        if st.st_uid not in (0, uid) or mode & 0o022:
            return (
                f"sshd's StrictModes would refuse the temporary keys: {current} must be owned by root and not "
                f"writable by group or others (it is mode {mode:04o}, owner uid {st.st_uid}); move the agent's "
                "state directory somewhere like /var/lib/tether-agent"
            )
        if uid != 0 and st.st_uid != uid and not mode & 0o001:
            return (
                f"sshd reads the temporary keys as the user, who cannot enter {current} (mode {mode:04o}); "
                f"give it o+x (chmod o+x {current})"
            )
        if current.parent == current:
            return None
        current = current.parent


def sshd_version(sshd_binary: str, ssh_binary: str = "ssh") -> tuple[int, int] | None:
    """OpenSSH's (major, minor) from `sshd -V` (9.x) or its usage text (older), else `ssh -V`; None if unknown."""
    for args in ([sshd_binary, "-V"], [ssh_binary, "-V"]):
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=SSHD_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        match = _VERSION.search(proc.stderr + proc.stdout)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None
