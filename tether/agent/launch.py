"""Starting a login shell as its user on a PTY slave: the launcher, the login environment, argv and exit status.

Why not `preexec_fn`, and why a Python launcher: the agent is a threaded asyncio daemon, and running Python code
between fork and exec is unsafe there (locks held by other threads are copied locked), so the child only gets the
PTY as its controlling terminal after exec. `subprocess.Popen(start_new_session=True)` makes the child a session
leader (setsid in C, between fork and exec, no Python involved), and it execs `LAUNCHER`: a dozen lines run by
`python -I -S` that take the terminal (`TIOCSCTTY`), drop privileges (setgroups, setgid, setuid, then verify), chdir
to the home directory and execve the shell with a chosen argv0 (`-bash`). We do not use `setsid --ctty`: with
`start_new_session` it forks again (so we would lose the shell's pid and exit status), it cannot set a login argv0,
and it is missing from busybox systems. The launcher runs with the agent's privileges and drops them itself rather
than through Popen's `user=`/`group=`/`extra_groups=`, because the agent's interpreter is often not executable by the
target user (pyenv or a venv under `/root`, mode 0700); the calls and their order are exactly those Popen would make,
followed by a check that the real, effective and saved ids all changed.
"""

from __future__ import annotations

import grp
import os
import subprocess
import sys
from pathlib import Path

from tether.agent.session import SessionStartError
from tether.agent.users import LoginUser

USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOCALE_FILE = Path("/etc/default/locale")

# Runs in the child, after exec, as a fresh single-threaded process.
# argv: uid gid groups nnp home path argv0 args...; uid -1 means "stay who you are" (an agent that is not root);
# nnp "1" sets PR_SET_NO_NEW_PRIVS (38) and checks it with PR_GET_NO_NEW_PRIVS (39): from then on no exec can gain
# privilege (sudo, setuid binaries, file capabilities), and the flag is inherited by every descendant.
LAUNCHER = """\
import fcntl, os, sys, termios
try:
    a = sys.argv
    uid, gid = int(a[1]), int(a[2])
    groups = [int(g) for g in a[3].split(",") if g]
    nnp, home, path, argv = a[4] == "1", a[5], a[6], a[7:]
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    if nnp:  # before dropping privileges: the agent's interpreter may not be readable by the user afterwards
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(39, 0, 0, 0, 0) != 1:
            raise OSError(ctypes.get_errno(), "cannot set no_new_privileges")
    if uid >= 0:
        os.setgroups(groups)
        os.setgid(gid)
        os.setuid(uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise OSError("the user and group ids did not change")
    try:
        os.chdir(home)
    except OSError:
        os.chdir("/")
    os.execve(path, argv, os.environ)
except BaseException as e:
    os.write(2, ("tether: cannot start the shell: %s\\r\\n" % (e,)).encode("utf-8", "replace"))
    os._exit(127)
"""


def exit_status(returncode: int) -> int:
    """Shell-style status: the exit code, or 128 + signal number for a child killed by a signal."""
    return 128 - returncode if returncode < 0 else returncode


def system_locale(path: Path = LOCALE_FILE) -> str:
    """The system default `LANG` when it is a UTF-8 locale, else `C.UTF-8` (always present on modern glibc).

    Terminal bytes are carried exactly; the locale only decides how programs in the shell interpret them, and a
    non-UTF-8 default (or none, as in containers) would make them mangle CJK text.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "C.UTF-8"
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        value = value.strip().strip("'\"")
        if key == "LANG" and value:
            normalized = value.lower().replace("-", "")
            if normalized.endswith(".utf8") or ".utf8@" in normalized:
                return value
    return "C.UTF-8"


def login_environment(user: LoginUser, *, lang: str | None = None) -> dict[str, str]:
    """The environment a login gives `user`, built from scratch: nothing of the agent's own environment leaks in."""
    return {
        "HOME": user.home,
        "USER": user.name,
        "LOGNAME": user.name,
        "SHELL": user.shell,
        "PATH": ROOT_PATH if user.uid == 0 else USER_PATH,
        "MAIL": f"/var/mail/{user.name}",
        "TERM": "xterm-256color",
        "LANG": lang or system_locale(),
    }


def shell_argv(user: LoginUser, command: str | None) -> list[str]:
    """argv for the shell: `-bash` (a login shell, as login(1) does it) or `bash -c COMMAND`."""
    name = os.path.basename(user.shell) or "sh"
    if command:
        return [name, "-c", command]
    return ["-" + name]


def no_new_privileges_supported() -> bool:
    """Whether this kernel has PR_SET_NO_NEW_PRIVS (Linux 3.5+); a session that needs it refuses to start without."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return int(ctypes.CDLL(None, use_errno=True).prctl(39, 0, 0, 0, 0)) in (0, 1)
    except (OSError, AttributeError):
        return False


def spawn_shell(
    user: LoginUser, command: str | None, slave: int, *, switch_user: bool, no_new_privileges: bool = False
) -> subprocess.Popen[bytes]:
    """Start the launcher (see the module docstring) on the PTY slave; it becomes the shell.

    With `no_new_privileges` the shell and everything it starts can never gain privilege (sudo fails); the launcher
    exits 127 instead of starting a shell without it.
    """
    if no_new_privileges and not no_new_privileges_supported():
        raise SessionStartError(
            "NoNewPrivileges.Unsupported",
            "this session may not use sudo, and this machine cannot enforce that (no PR_SET_NO_NEW_PRIVS)",
        )
    argv = shell_argv(user, command)
    if switch_user:
        ids = [str(user.uid), str(user.gid), ",".join(str(g) for g in user.groups)]
    else:
        ids = ["-1", "-1", ""]
    nnp = "1" if no_new_privileges else "0"
    args = [sys.executable, "-I", "-S", "-c", LAUNCHER, *ids, nnp, user.home, user.shell, *argv]
    try:
        return subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=login_environment(user),
            cwd="/",
            start_new_session=True,
            close_fds=True,
        )
    except OSError as e:
        raise SessionStartError("ShellStartFailed", f"cannot start a shell for {user.name!r}: {e}") from None


def give_tty(slave: int, user: LoginUser) -> None:
    """Make the terminal the user's (group tty, 0620) as login and sshd do, so `mesg`, `tmux` and `ttyname` work."""
    try:
        tty_gid = grp.getgrnam("tty").gr_gid
    except KeyError:
        tty_gid = user.gid
    os.fchown(slave, user.uid, tty_gid)
    os.fchmod(slave, 0o620)
