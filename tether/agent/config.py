"""The agent's state directory and settings.

Layout of `STATE_DIR` (created mode 0700 because the key inside is the agent's identity):
- `agent.json`: server URL, instance id, file paths and `settings` (written atomically, mode 0600).
- `agent.key`:  the Ed25519 private key created at registration (PEM, mode 0600).
- `ca.pem`:     a copy of the server CA given at registration; absent means "use the system trust store".
- `agent.pid`:  the running agent's pid (`tether.agent.reload`), so `tether agent config set` can reload it.
- `reload.json`: what the last SIGHUP applied or refused.
- `ssh-keys/`:  the managed authorized-keys files of temporary SSH keys (`tether.agent.sshkeys`), once used. sshd
                opens them as the target user, so the state directory then becomes 0711 (enter, not list); every
                secret in it stays 0600.

Paths in `agent.json` are stored relative to the state directory when they live inside it, so the directory can be
moved or restored from a backup without editing the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tether.agent.bounds import DEFAULT_FORWARD_TARGETS, check_patterns

CONFIG_FILE = "agent.json"
KEY_FILE = "agent.key"
CA_FILE = "ca.pem"
STATE_DIR_ENV = "TETHER_AGENT_STATE_DIR"
ROOT_STATE_DIR = Path("/var/lib/tether-agent")
DEFAULT_USER = "tether-user"
SSH_KEYS_DIR = "ssh-keys"


class ConfigError(Exception):
    """The state directory is missing, unreadable or malformed; the message says what to do about it.

    No code: it never travels to the server; the CLI prints the message and exits with EX_CONFIG.
    """


def default_state_dir() -> Path:
    """`$TETHER_AGENT_STATE_DIR`, else `/var/lib/tether-agent` as root, else `$XDG_STATE_HOME/tether-agent`
    (`~/.local/state/tether-agent`).

    Root stays in /var/lib: a root agent is a system service (the systemd unit), whose state belongs where the FHS
    and systemd's `StateDirectory=` put a system program's state, not in root's home; backups of /var/lib and
    the packaging assume it. A user's agent is that user's program, so its state follows XDG; it holds the
    agent's identity (its key), which is state, not configuration or cache."""
    env = os.environ.get(STATE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    if os.geteuid() == 0:
        return ROOT_STATE_DIR
    xdg = os.environ.get("XDG_STATE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "tether-agent"


def ensure_state_dir(state_dir: Path) -> Path:
    """Create the state directory (and parents) and force it to mode 0700, whatever the umask was.

    0711 instead once it holds `ssh-keys/`: sshd must be able to pass through to read the temporary keys.
    """
    state_dir = state_dir.expanduser().absolute()
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(state_dir, 0o711 if (state_dir / SSH_KEYS_DIR).is_dir() else 0o700)
    return state_dir


@dataclass
class AgentSettings:
    """Behaviour an operator may tune by editing `settings` in `agent.json`.

    `allowed_users` lists the extra login users a session may ask for (`"*"` = any existing non-root user); the
    default user is always allowed. Root needs `allow_root_login` on top *and* to be named, because a root shell
    bypasses everything else. `default_user_sudo` decides whether the default user gets password-less sudo (true, the
    default, keeps the product's behaviour; false removes the agent's sudoers drop-in at the next start).
    `allow_commands`, `forward_targets` and `data_channel_hosts` bound what the server can make the agent do
    (`tether.agent.bounds`, docs/threat-model.md).
    The timing fields exist so tests (and unusual networks) can shorten them; the defaults follow docs/protocol.md.

    Port forwards: `allow_link_local_targets` lets streams reach link-local and cloud metadata addresses (refused by
    default: they hand out the machine's credentials); `max_streams` bounds concurrent connections per session;
    `forward_connect_timeout` bounds each dial. Temporary SSH keys: `sshd_binary` and `sshd_config` name the sshd
    whose effective configuration (`sshd -T`) is checked before a key is added (tests point them at a private sshd).
    """

    default_user: str = DEFAULT_USER
    default_user_sudo: bool = True
    allowed_users: list[str] = field(default_factory=list)
    allow_root_login: bool = False
    allow_commands: bool = True
    forward_targets: list[str] = field(default_factory=lambda: list(DEFAULT_FORWARD_TARGETS))
    data_channel_hosts: list[str] = field(default_factory=list)
    max_sessions: int = 64
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    backoff_reset_after: float = 60.0
    hangup_grace: float = 2.0
    shutdown_timeout: float = 10.0
    allow_link_local_targets: bool = False
    max_streams: int = 256
    forward_connect_timeout: float = 10.0
    sshd_binary: str = "/usr/sbin/sshd"
    sshd_config: str = "/etc/ssh/sshd_config"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AgentSettings:
        """Build settings from JSON, ignoring unknown keys (a newer agent may have written them) and checking types."""
        settings = cls()
        for name, default in asdict(settings).items():
            if name not in raw:
                continue
            value = raw[name]
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int):
                ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
            elif isinstance(default, float):
                ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
                value = float(value)
            elif isinstance(default, list):
                ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
            else:
                ok = isinstance(value, str) and bool(value)
            if not ok:
                raise ConfigError(f"settings.{name} in {CONFIG_FILE} has an invalid value {value!r}")
            setattr(settings, name, value)
        try:
            check_patterns(settings.forward_targets)
        except ValueError as e:
            raise ConfigError(f"settings.forward_targets in {CONFIG_FILE}: {e}") from None
        return settings


@dataclass
class AgentConfig:
    """Everything `run_agent` needs, loaded from (and saved to) one state directory."""

    state_dir: Path
    server: str
    instance_id: str
    key_file: Path
    ca_cert: Path | None = None
    settings: AgentSettings = field(default_factory=AgentSettings)

    @property
    def config_file(self) -> Path:
        return self.state_dir / CONFIG_FILE

    @classmethod
    def new(
        cls, state_dir: Path, server: str, instance_id: str, *, has_ca: bool, settings: AgentSettings | None = None
    ) -> AgentConfig:
        """The configuration of a freshly registered agent, with the standard file names inside `state_dir`."""
        state_dir = state_dir.expanduser().absolute()
        return cls(
            state_dir=state_dir,
            server=server,
            instance_id=instance_id,
            key_file=state_dir / KEY_FILE,
            ca_cert=state_dir / CA_FILE if has_ca else None,
            settings=settings or AgentSettings(),
        )

    @classmethod
    def load(cls, state_dir: Path) -> AgentConfig:
        """Read `STATE_DIR/agent.json`; a missing file means "not registered", which the message says."""
        state_dir = state_dir.expanduser().absolute()
        path = state_dir / CONFIG_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{path} does not exist: this agent is not registered yet; run `tether agent register` first"
            ) from None
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read {path}: {e}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path} must hold a JSON object")
        for name in ("server", "instance_id"):
            if not isinstance(raw.get(name), str) or not raw[name]:
                raise ConfigError(f"{path} lacks {name!r}")
        settings_raw = raw.get("settings", {})
        if not isinstance(settings_raw, dict):
            raise ConfigError(f"'settings' in {path} must be an object")
        ca = raw.get("ca_cert")
        if ca is not None and not isinstance(ca, str):
            raise ConfigError(f"'ca_cert' in {path} must be a path or null")
        key = raw.get("key_file", KEY_FILE)
        if not isinstance(key, str) or not key:
            raise ConfigError(f"'key_file' in {path} must be a path")
        return cls(
            state_dir=state_dir,
            server=raw["server"],
            instance_id=raw["instance_id"],
            key_file=_resolve(state_dir, key),
            ca_cert=_resolve(state_dir, ca) if ca else None,
            settings=AgentSettings.from_dict(settings_raw),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "instance_id": self.instance_id,
            "key_file": _relative(self.state_dir, self.key_file),
            "ca_cert": _relative(self.state_dir, self.ca_cert) if self.ca_cert else None,
            "settings": asdict(self.settings),
        }

    def save(self) -> None:
        """Write `agent.json` atomically (temp file + rename) so a crash never leaves half a config behind.

        The file keeps its owner: root editing a user's agent (`tether agent config set`) must not leave that agent
        a config it can no longer read."""
        ensure_state_dir(self.state_dir)
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"
        owner: tuple[int, int] | None = None
        with contextlib.suppress(FileNotFoundError):
            st = self.config_file.stat()
            owner = (st.st_uid, st.st_gid)
        fd, tmp = tempfile.mkstemp(prefix=".agent.json.", dir=self.state_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            if owner is not None and owner != (os.geteuid(), os.getegid()):
                os.chown(tmp, *owner)
            os.replace(tmp, self.config_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _resolve(state_dir: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else state_dir / p


def _relative(state_dir: Path, path: Path) -> str:
    try:
        return str(path.relative_to(state_dir))
    except ValueError:
        return str(path)
