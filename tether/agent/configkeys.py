"""`tether agent config`: the agent's settings as keys an operator can read and change without editing JSON.

Every field of `AgentSettings` is a key. Each has a kind (how a command-line value is parsed), what it allows (the
words of the error when a value is refused) and whether a running agent can take a new value live (on SIGHUP):

- live: the bounds and limits each new session or forward is checked against (`allowed_users`, `forward_targets`,
  `allow_commands`, ...). Sessions already running keep what they started with: a bound narrows what may start,
  it does not cut off a person mid-command.
- restart: what the agent reads once at start: the default user (created, given sudo and reported to the server
  in the first hello), the reconnect schedule and the sshd it checks for temporary keys.

A changed value is validated here and again by `AgentSettings.from_dict` (the check the agent itself applies at
start), then written atomically; a refused value leaves agent.json as it was.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from tether.agent.bounds import parse_target_pattern
from tether.agent.config import AgentConfig, AgentSettings, ConfigError
from tether.agent.users import valid_user_name

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")

# keys the agent reads once at start: a reload reports them as needing a restart
RESTART_KEYS = frozenset(
    {"default_user", "default_user_sudo", "backoff_base", "backoff_cap", "backoff_reset_after", "sshd_binary",
     "sshd_config"}
)

_ALLOWED: dict[str, str] = {
    "default_user": "a user name (letters, digits, . _ -, starting with a letter or _)",
    "allowed_users": "user names, or * for any existing non-root user (comma-separated or one per argument)",
    "forward_targets": "HOST:PORT patterns such as localhost:*, 10.0.0.0/8:5432, [::1]:8000-8100, db-*.internal:443 "
    '(an empty value "" turns forwarding off)',
    "data_channel_hosts": "host names, wildcards allowed (e.g. node-*.tether.example)",
    "sshd_binary": "an absolute path",
    "sshd_config": "an absolute path",
}


class ConfigKeyError(Exception):
    """A key that does not exist or a value it does not allow; the message names the key and what is allowed."""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    kind: type  # bool, int, float, list or str
    default: Any
    live: bool

    @property
    def allowed(self) -> str:
        if self.name in _ALLOWED:
            return _ALLOWED[self.name]
        if self.kind is bool:
            return "true or false (also yes/no, on/off, 1/0)"
        if self.kind is int:
            return "a whole number above 0"
        if self.kind is float:
            return "a number of seconds, 0 or more"
        return "a non-empty value"


def keys() -> dict[str, KeyInfo]:
    """Every settings key, in the order `AgentSettings` declares them."""
    defaults = asdict(AgentSettings())
    out: dict[str, KeyInfo] = {}
    for f in fields(AgentSettings):
        default = defaults[f.name]
        kind: type = type(default) if not isinstance(default, list) else list
        out[f.name] = KeyInfo(f.name, kind, default, f.name not in RESTART_KEYS)
    return out


def key_info(name: str) -> KeyInfo:
    known = keys()
    if name not in known:
        raise ConfigKeyError(f"{name!r} is not an agent setting; the keys are: {', '.join(known)}")
    return known[name]


def parse_value(name: str, words: list[str]) -> Any:
    """Command-line words -> the key's value; ConfigKeyError naming the key and what it allows."""
    info = key_info(name)

    def refuse(why: str) -> ConfigKeyError:
        return ConfigKeyError(f"{name}: {why}; {name} takes {info.allowed}")

    if info.kind is list:
        items = [item.strip() for word in words for item in word.split(",")]
        items = [item for item in items if item]
        for item in items:
            _check_item(name, item, refuse)
        return list(dict.fromkeys(items))  # duplicates dropped, order kept
    if len(words) != 1:
        raise refuse(f"expected one value, got {len(words)}")
    text = words[0].strip()
    if info.kind is bool:
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise refuse(f"{text!r} is not a yes/no value")
    if info.kind is int:
        try:
            number = int(text)
        except ValueError:
            raise refuse(f"{text!r} is not a whole number") from None
        if number <= 0:
            raise refuse(f"{number} is not above 0")
        return number
    if info.kind is float:
        try:
            seconds = float(text)
        except ValueError:
            raise refuse(f"{text!r} is not a number") from None
        if not seconds >= 0 or seconds == float("inf"):
            raise refuse(f"{text!r} is not 0 or more")
        return seconds
    if not text:
        raise refuse("the value is empty")
    if name == "default_user" and not valid_user_name(text):
        raise refuse(f"{text!r} is not a valid user name")
    if name in ("sshd_binary", "sshd_config") and not os.path.isabs(text):
        raise refuse(f"{text!r} is not an absolute path")
    return text


def _check_item(name: str, item: str, refuse: Any) -> None:
    if name == "allowed_users":
        if item != "*" and not valid_user_name(item):
            raise refuse(f"{item!r} is not a valid user name")
    elif name == "forward_targets":
        try:
            parse_target_pattern(item)
        except ValueError as e:
            raise refuse(str(e)) from None
    elif name == "data_channel_hosts":
        if any(c in item for c in "/:[] @") or item.startswith("."):
            raise refuse(f"{item!r} is not a host name (no scheme, port or path)")


def show_value(value: Any) -> str:
    """A value as `get` and `list` print it: lists comma-separated, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def change_setting(state_dir: Path, name: str, value: Any) -> tuple[Any, Any, Path]:
    """Set key `name` to `value` in STATE_DIR/agent.json (the key's default when `value` is None, i.e. unset).

    Returns (old value, new value, the file). The whole file is checked as the agent would read it before anything
    is written, and it is written atomically with its mode (0600) and owner kept.
    """
    info = key_info(name)
    config = AgentConfig.load(state_dir)
    old = getattr(config.settings, name)
    new = info.default if value is None else value
    raw = {**asdict(config.settings), name: new}
    try:
        settings = AgentSettings.from_dict(raw)
    except ConfigError as e:
        raise ConfigKeyError(f"{name}: {e}; {name} takes {info.allowed}") from None
    config.settings = settings
    config.save()
    return old, getattr(settings, name), config.config_file
