"""OpenSSH through tether: ephemeral keys, the `ProxyCommand` line, the ssh argv, and running ssh.

`tether ssh` does not reimplement SSH: it makes a throw-away Ed25519 key (ssh-keygen, in a private temporary
directory removed afterwards), has the agent accept it for 60 seconds (SendSSHPublicKey), and runs the stock `ssh`
with `ProxyCommand` pointing at `tether proxy`, so the TCP connection to the instance's sshd goes through the relay.
Everything here is pure string and file work plus one subprocess, so the argv can be unit-tested.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from tether.client.errors import ConfigError
from tether.client.profile import (
    ENV_CA_CERT,
    ENV_CREDENTIALS_URI,
    ENV_KEY_ID,
    ENV_KEY_SECRET,
    ENV_SERVER,
    ENV_TOKEN,
    Settings,
)

__all__ = [
    "EphemeralKey",
    "build_ssh_argv",
    "ephemeral_key",
    "find_ssh",
    "parse_destination",
    "proxy_command",
    "read_public_key",
    "run_ssh",
    "settings_env",
    "ssh_config_stanza",
    "tether_invocation",
]

# An OpenSSH public key line is short (an RSA-16384 key is about 2.8 KB); anything bigger is not one.
MAX_PUBLIC_KEY = 16 * 1024
_KEY_TYPES = re.compile(
    r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r"(-cert-v01@openssh\.com)?$"
)
_USER = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}\$?$")
KEYGEN_TIMEOUT = 30.0


def tether_invocation(*, prefer_installed: bool) -> list[str]:
    """How a child process should run this same tether.

    `python -m tether` with our own interpreter always runs exactly this installation (what `tether ssh` uses for
    its ProxyCommand). For a config file that outlives this process, the installed `tether` script is nicer to
    read and survives virtualenv rebuilds, so `prefer_installed` takes it when it is on PATH.
    """
    if prefer_installed:
        installed = shutil.which("tether")
        if installed:
            return [installed]
    return [sys.executable, "-m", "tether"]


def proxy_command(invocation: Sequence[str], *, profile: str | None = None) -> str:
    """The `ProxyCommand` value: `tether proxy -i %h --port %p`, quoted for the shell ssh runs it with.

    `%` in paths is doubled because ssh expands `%` tokens in this string before the shell sees it.
    """
    words = [*invocation, "proxy"]
    if profile:
        words += ["--profile", profile]
    quoted = shlex.join(words).replace("%", "%%")
    return f"{quoted} -i %h --port %p"


def ssh_config_stanza(invocation: Sequence[str], *, user: str | None = None, profile: str | None = None) -> str:
    """A `~/.ssh/config` block that sends every `mi-*` host through tether, for plain ssh, scp, rsync and git."""
    lines = [
        "# Added for tether: ssh, scp, rsync and git reach instances by id (mi-...) through the relay.",
        "Host mi-*",
        f"    ProxyCommand {proxy_command(invocation, profile=profile)}",
    ]
    if user:
        lines.append(f"    User {user}")
    return "\n".join(lines) + "\n"


def parse_destination(destination: str) -> tuple[str, str]:
    """`[user@]instance` -> (user, instance); the user defaults to the local login name, as with ssh."""
    user, sep, host = destination.rpartition("@")
    if not sep:
        user, host = getpass.getuser(), destination
    if not host or any(c.isspace() or c in "/:@%'\"" for c in host) or host.startswith("-"):
        raise ConfigError(f"destination {destination!r} is not USER@INSTANCE — e.g. alice@mi-0123456789abcdef0")
    if not _USER.match(user):
        raise ConfigError(f"login user {user!r} is not a valid user name")
    return user, host


def read_public_key(path: Path) -> str:
    """One OpenSSH public key line from `path` (`ssh-ed25519 AAAA... comment`), checked enough to catch mistakes.

    The usual mistake is passing the private key: that is refused before it goes anywhere.
    """
    try:
        with path.expanduser().open("rb") as handle:
            raw = handle.read(MAX_PUBLIC_KEY + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    if len(raw) > MAX_PUBLIC_KEY:
        raise ConfigError(f"{path} is too large to be an OpenSSH public key")
    text = raw.decode("ascii", errors="replace")
    if "PRIVATE KEY" in text:
        raise ConfigError(f"{path} is a private key — pass the public half ({path}.pub)")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) != 1:
        raise ConfigError(f"{path} must hold exactly one OpenSSH public key line, found {len(lines)}")
    fields = lines[0].split()
    if len(fields) < 2 or not _KEY_TYPES.match(fields[0]) or not re.fullmatch(r"[A-Za-z0-9+/]+={0,3}", fields[1]):
        raise ConfigError(f"{path} is not an OpenSSH public key (expected 'ssh-ed25519 AAAA... comment')")
    return lines[0]


@dataclass(frozen=True)
class EphemeralKey:
    """A key pair that exists only for one `tether ssh` run."""

    private_key: Path
    public_key: str


def find_ssh(program: str = "ssh") -> str:
    """The OpenSSH client (or ssh-keygen) on PATH, or a one-line error saying what to install."""
    found = shutil.which(program)
    if not found:
        raise ConfigError(f"{program} not found on PATH — install the OpenSSH client (openssh-client)")
    return found


@contextlib.contextmanager
def ephemeral_key(keygen: str | None = None) -> Iterator[EphemeralKey]:
    """Create an Ed25519 key pair in a fresh 0700 directory; the directory is removed when the block ends."""
    directory = Path(tempfile.mkdtemp(prefix="tether-ssh-"))  # mkdtemp creates it 0700
    try:
        private = directory / "id_ed25519"
        argv = [keygen or find_ssh("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", "tether-ephemeral"]
        try:
            result = subprocess.run(
                [*argv, "-f", str(private)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=KEYGEN_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"cannot run ssh-keygen: {exc}") from exc
        if result.returncode != 0:
            why = " ".join(result.stderr.decode(errors="replace").split()) or f"exit status {result.returncode}"
            raise ConfigError(f"ssh-keygen failed: {why}")
        yield EphemeralKey(private, read_public_key(private.with_suffix(".pub")))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def build_ssh_argv(
    ssh: str,
    *,
    destination: str,
    instance_id: str,
    identity: Path,
    proxy: str,
    ssh_args: Sequence[str] = (),
) -> list[str]:
    """The ssh command line. Our `-o` options come first, so they win over the user's (ssh keeps the first value).

    `IdentitiesOnly` stops ssh offering every agent key first (servers cut off after a few failures);
    `HostKeyAlias` files the host key under the instance id, whatever address the relay happens to have.
    """
    return [
        ssh,
        "-o",
        f"ProxyCommand={proxy}",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        f"HostKeyAlias={instance_id}",
        "-i",
        str(identity),
        destination,
        *ssh_args,
    ]


def settings_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for ssh and so for its ProxyCommand: the settings we resolved, so the proxy uses them too.

    The environment rather than flags: a child's command line is visible to every user of the machine.
    """
    env = dict(os.environ if base is None else base)
    env[ENV_SERVER] = settings.server
    pairs: tuple[tuple[str, str | None], ...] = (
        (ENV_KEY_ID, settings.access_key_id),
        (ENV_KEY_SECRET, settings.access_key_secret),
        (ENV_CA_CERT, settings.ca_cert),
        (ENV_TOKEN, settings.security_token),
        (ENV_CREDENTIALS_URI, settings.credentials_uri),
    )
    for name, value in pairs:
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    return env


def run_ssh(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ssh in the foreground and return its exit status (128+N when a signal killed it).

    Like a shell running a foreground job: Ctrl-C and Ctrl-\\ belong to ssh (it decides what they mean), and a
    SIGTERM or SIGHUP sent to us is passed on to ssh, so that we always get to remove the temporary key.
    """
    try:
        child = subprocess.Popen(list(argv), env=dict(env))
    except OSError as exc:
        raise ConfigError(f"cannot run {argv[0]}: {exc.strerror}") from exc

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
        signal.SIGQUIT: signal.signal(signal.SIGQUIT, signal.SIG_IGN),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    try:
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status if status >= 0 else 128 - status
