"""Where the CLI's settings come from: flags, then environment, then the profile file.

Each setting is resolved on its own, so `TETHER_SERVER=... tether instances` can borrow the key from the current
profile. The profile file (`$XDG_CONFIG_HOME/tether/config.toml`, by default `~/.config/tether/config.toml`, or
`TETHER_CONFIG_FILE`; see `config_path` for the older `~/.tether/config.toml`) holds secrets, so it is written with
mode 0600 inside a 0700 directory, atomically, and never echoed back.

File layout::

    current = "default"

    [profiles.default]
    mode = "AK"                  # "AK" (access key), "StsToken" (temporary credentials with a security token)
                                 # or "CredentialsURI" (temporary credentials fetched from credentials_uri)
    server = "https://tether.example:8443"
    access_key_id = "..."
    access_key_secret = "..."
    ca_cert = "/home/me/.config/tether/ca.pem"   # optional
    credentials_uri = "http://127.0.0.1:9000/creds"   # mode CredentialsURI only

Credentials fetched from a URI are cached (mode 0600) in `$XDG_CACHE_HOME/tether` (default `~/.cache/tether`),
or in `cache/` beside a profile file given by `TETHER_CONFIG_FILE` or in the old place, until shortly before they
expire, unless `TETHER_CREDENTIALS_CACHE=off`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from tether.client.credentials import (
    Credentials,
    CredentialsProvider,
    StaticCredentials,
    UriCredentials,
    check_credentials_uri,
)
from tether.client.errors import ConfigError

__all__ = [
    "DEFAULT_PROFILE",
    "MODES",
    "Profile",
    "Settings",
    "config_path",
    "load_profiles",
    "resolve_settings",
    "save_profile",
]

DEFAULT_PROFILE = "default"
MODES = ("AK", "StsToken", "CredentialsURI")
# A profile file is a few hundred bytes; refuse to parse something absurd by mistake.
_MAX_CONFIG_BYTES = 1024 * 1024

ENV_SERVER = "TETHER_SERVER"
ENV_KEY_ID = "TETHER_ACCESS_KEY_ID"
ENV_KEY_SECRET = "TETHER_ACCESS_KEY_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_TOKEN = "TETHER_SECURITY_TOKEN"  # noqa: S105
ENV_CA_CERT = "TETHER_CA_CERT"
ENV_CREDENTIALS_URI = "TETHER_CREDENTIALS_URI"
ENV_CREDENTIALS_CACHE = "TETHER_CREDENTIALS_CACHE"
ENV_PROFILE = "TETHER_PROFILE"
ENV_CONFIG_FILE = "TETHER_CONFIG_FILE"


@dataclass(frozen=True)
class Profile:
    """One named set of credentials as stored in the profile file."""

    name: str
    mode: str = "AK"
    server: str | None = None
    access_key_id: str | None = None
    access_key_secret: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    ca_cert: str | None = None
    credentials_uri: str | None = None

    def to_toml(self) -> dict[str, str]:
        """The table written under `[profiles.NAME]` (empty settings are left out)."""
        table = {"mode": self.mode}
        keys: tuple[str, ...] = ("server", "credentials_uri", "ca_cert")
        if self.mode != "CredentialsURI":
            keys = ("server", "access_key_id", "access_key_secret", "security_token", "ca_cert")
        for key in keys:
            value = getattr(self, key)
            if value:
                table[key] = value
        return table


@dataclass(frozen=True)
class Settings:
    """Everything needed to call the API, fully resolved; `sources` says where each came from (for messages).

    With a credentials URI, the key fields are empty and `credentials_provider()` fetches the key from the URI.
    """

    server: str
    access_key_id: str
    access_key_secret: str = field(repr=False)
    ca_cert: str | None
    security_token: str | None = field(default=None, repr=False)
    profile: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    credentials_uri: str | None = None
    credentials_cache: Path | None = None  # where the URI's answer is cached (None: memory only)

    def credentials_provider(self) -> CredentialsProvider:
        """What `ApiClient` signs with: the URI's rotating credentials, or the fixed key."""
        if self.credentials_uri:
            return UriCredentials(self.credentials_uri, ca_cert=self.ca_cert, cache_file=self.credentials_cache)
        return StaticCredentials(Credentials(self.access_key_id, self.access_key_secret, self.security_token))


def xdg_dir(variable: str, default: str, env: Mapping[str, str]) -> Path:
    """`$XDG_..._HOME` if set to an absolute path (the XDG spec ignores relative ones), else `~/DEFAULT`."""
    value = env.get(variable, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def legacy_config_path() -> Path:
    """Where the profile file lived before it followed XDG."""
    return Path.home() / ".tether" / "config.toml"


def xdg_config_path(env: Mapping[str, str]) -> Path:
    return xdg_dir("XDG_CONFIG_HOME", ".config", env) / "tether" / "config.toml"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The profile file: `TETHER_CONFIG_FILE` if set (tests, several setups), else `$XDG_CONFIG_HOME/tether/
    config.toml` (`~/.config/tether/config.toml`).

    An existing `~/.tether/config.toml` stays in use (read and written) as long as the XDG file does not exist: its
    profiles may name files beside it (`ca_cert`), so moving it behind the user's back could break them. Moving
    the directory (`mv ~/.tether ~/.config/tether`, then fixing such paths) switches to the new place."""
    env = os.environ if env is None else env
    override = env.get(ENV_CONFIG_FILE)
    if override:
        return Path(override).expanduser()
    path = xdg_config_path(env)
    legacy = legacy_config_path()
    if not path.exists() and legacy.exists():
        return legacy
    return path


def _read_document(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read profile file {path}: {exc.strerror}") from exc
    if len(raw) > _MAX_CONFIG_BYTES:
        raise ConfigError(f"profile file {path} is larger than 1 MiB — is it the right file?")
    try:
        return tomllib.loads(raw.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"profile file {path} is not valid TOML ({exc}) — fix it or run `tether configure`") from exc


def _profile_from_table(name: str, table: object, path: Path) -> Profile:
    if not isinstance(table, dict):
        raise ConfigError(f"profile {name!r} in {path} is not a table — fix it or run `tether configure`")
    known = {f.name for f in fields(Profile)} - {"name"}
    values: dict[str, str] = {}
    for key, value in table.items():
        if key in known:
            if not isinstance(value, str):
                raise ConfigError(f"profile {name!r} in {path}: {key} must be a string")
            values[key] = value
    profile = Profile(name=name, **values)
    if profile.mode not in MODES:
        raise ConfigError(f"profile {name!r} in {path}: mode must be one of {', '.join(MODES)}, not {profile.mode!r}")
    return profile


def load_profiles(path: Path | None = None) -> tuple[dict[str, Profile], str | None]:
    """All profiles in the file and the name of the current one (None if the file has none)."""
    path = config_path() if path is None else path
    document = _read_document(path)
    tables = document.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"profile file {path}: [profiles] must be a table — fix it or run `tether configure`")
    profiles = {name: _profile_from_table(name, table, path) for name, table in tables.items()}
    current = document.get("current")
    return profiles, current if isinstance(current, str) else None


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically with mode 0600, creating the directory with mode 0700 if needed."""
    directory = path.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=directory)  # mkstemp uses mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def save_profile(profile: Profile, *, make_current: bool = True, path: Path | None = None) -> Path:
    """Add or replace `profile` in the file (keeping the others) and return the file's path."""
    if profile.mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {profile.mode!r}")
    if not profile.name or any(c in profile.name for c in "\n\r\"'"):
        raise ConfigError(f"invalid profile name {profile.name!r}")
    path = config_path() if path is None else path
    document = _read_document(path)
    tables = document.get("profiles")
    if not isinstance(tables, dict):
        tables = {}
    tables[profile.name] = profile.to_toml()
    document["profiles"] = tables
    if make_current or not isinstance(document.get("current"), str):
        document["current"] = profile.name
    # `current` first so the file reads naturally; tomli-w writes scalars before tables anyway.
    ordered = {"current": document.pop("current"), **document}
    try:
        _write_private(path, tomli_w.dumps(ordered).encode())
    except OSError as exc:
        raise ConfigError(f"cannot write profile file {path}: {exc.strerror}") from exc
    return path


_FLAG_NAMES = {
    "server": ("--server", ENV_SERVER),
    "access_key_id": ("--access-key-id", ENV_KEY_ID),
    "access_key_secret": ("--access-key-secret", ENV_KEY_SECRET),
}


def resolve_settings(
    *,
    server: str | None = None,
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    ca_cert: str | None = None,
    security_token: str | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Resolve each setting from flags (the keyword arguments), then `env`, then the chosen profile.

    The profile is `profile`, else `TETHER_PROFILE`, else the file's `current`, else "default". Naming a profile
    that does not exist is an error; an absent file is not (flags and environment may be enough). Missing
    settings produce one error that names every flag and variable that would supply them.
    """
    env = os.environ if env is None else env
    path = config_path(env) if path is None else path
    profiles, current = load_profiles(path)
    chosen_name = profile or env.get(ENV_PROFILE) or None
    if chosen_name is not None and chosen_name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(
            f"profile {chosen_name!r} not found in {path} (profiles: {known}) — "
            f"run `tether configure --profile {chosen_name}`"
        )
    chosen_name = chosen_name or current or DEFAULT_PROFILE
    stored = profiles.get(chosen_name) or Profile(name=chosen_name)

    flags = {
        "server": server,
        "access_key_id": access_key_id,
        "access_key_secret": access_key_secret,
        "ca_cert": ca_cert,
        "security_token": security_token,
    }
    env_names = {
        "server": ENV_SERVER,
        "access_key_id": ENV_KEY_ID,
        "access_key_secret": ENV_KEY_SECRET,
        "ca_cert": ENV_CA_CERT,
        "security_token": ENV_TOKEN,
    }
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for key, flag_value in flags.items():
        if flag_value:
            values[key], sources[key] = flag_value, "flag"
        elif env.get(env_names[key]):
            values[key], sources[key] = env[env_names[key]], f"env {env_names[key]}"
        elif getattr(stored, key):
            values[key], sources[key] = getattr(stored, key), f"profile {chosen_name}"
        else:
            values[key] = None

    if sources.get("security_token", "").startswith("profile") and not sources.get("access_key_id", "").startswith(
        "profile"
    ):
        # A security token belongs to the temporary key it was issued with: a key from a flag or the environment
        # never borrows the profile's token (the server would refuse the pair as InvalidSecurityToken).
        values["security_token"] = None
        del sources["security_token"]
    uri, uri_source = _credentials_uri(access_key_id, access_key_secret, env, stored)
    if uri is not None:
        if not values["server"]:
            raise ConfigError(f"no server configured — pass --server or {ENV_SERVER}, or run `tether configure`")
        sources["credentials_uri"] = uri_source
        check_credentials_uri(uri)
        ca = values["ca_cert"]
        return Settings(
            server=str(values["server"]),
            access_key_id="",
            access_key_secret="",
            ca_cert=str(Path(ca).expanduser()) if ca else None,
            profile=chosen_name if chosen_name in profiles else None,
            sources={k: v for k, v in sources.items() if k not in _KEY_SETTINGS},
            credentials_uri=uri,
            credentials_cache=_cache_file(path, uri, env),
        )
    missing = [key for key in _FLAG_NAMES if not values[key]]
    if missing:
        what = ", ".join(key.replace("_", " ") for key in missing)
        how = "; ".join(f"{_FLAG_NAMES[k][0]} or {_FLAG_NAMES[k][1]}" for k in missing)
        raise ConfigError(f"no {what} configured — pass {how}, or run `tether configure`")
    if (
        stored.mode == "StsToken"
        and not values["security_token"]
        and sources.get("access_key_id", "").startswith("profile")
    ):
        raise ConfigError(
            f"profile {chosen_name!r} uses temporary credentials (mode StsToken) but has no security token — "
            f"set {ENV_TOKEN} or run `tether configure --profile {chosen_name}`"
        )
    ca = values["ca_cert"]
    return Settings(
        server=str(values["server"]),
        access_key_id=str(values["access_key_id"]),
        access_key_secret=str(values["access_key_secret"]),
        ca_cert=str(Path(ca).expanduser()) if ca else None,
        security_token=values["security_token"],
        profile=chosen_name if chosen_name in profiles else None,
        sources=sources,
    )


_KEY_SETTINGS = ("access_key_id", "access_key_secret", "security_token")


def _credentials_uri(
    key_id_flag: str | None, secret_flag: str | None, env: Mapping[str, str], stored: Profile
) -> tuple[str | None, str]:
    """The credentials URI to use and where it came from, if any: a key on the command line wins, then
    `TETHER_CREDENTIALS_URI`, then a key in the environment, then the profile (in mode CredentialsURI)."""
    if key_id_flag or secret_flag:
        return None, ""
    from_env = env.get(ENV_CREDENTIALS_URI)
    if from_env:
        if env.get(ENV_KEY_ID):
            raise ConfigError(
                f"both {ENV_CREDENTIALS_URI} and {ENV_KEY_ID} are set — unset one, so it is clear which key to use"
            )
        return from_env, f"env {ENV_CREDENTIALS_URI}"
    if env.get(ENV_KEY_ID) or stored.mode != "CredentialsURI":
        return None, ""
    if not stored.credentials_uri:
        raise ConfigError(
            f"profile {stored.name!r} is in mode CredentialsURI but has no credentials_uri — run "
            f"`tether configure --profile {stored.name} --mode CredentialsURI --credentials-uri URL`"
        )
    return stored.credentials_uri, f"profile {stored.name}"


def _cache_file(config_file: Path, uri: str, env: Mapping[str, str]) -> Path | None:
    """Where the answer of `uri` is cached, one file per URI (None when turned off): `$XDG_CACHE_HOME/tether` for
    the XDG profile file, else `cache/` beside the profile file (an explicit or old one keeps its own cache)."""
    if env.get(ENV_CREDENTIALS_CACHE, "").lower() in ("off", "0", "no", "false"):
        return None
    digest = hashlib.sha256(uri.encode()).hexdigest()[:24]
    if config_file == xdg_config_path(env):
        return xdg_dir("XDG_CACHE_HOME", ".cache", env) / "tether" / f"credentials-{digest}.json"
    return config_file.parent / "cache" / f"credentials-{digest}.json"


def merged_profile(base: Profile | None, name: str, **changes: str | None) -> Profile:
    """`base` (or an empty profile called `name`) with every non-empty change applied; for `tether configure`."""
    profile = base if base is not None else Profile(name=name)
    updates = {key: value for key, value in changes.items() if value}
    return replace(profile, name=name, **updates)
