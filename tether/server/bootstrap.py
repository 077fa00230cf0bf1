"""First-start material: node id, account id, TLS certificates, the administrator access key and console password.

All of it is created once and reused, so restarting the server changes nothing that clients or agents rely on.
A first start that fails after creating the credentials is resumed by the next start (`credentials_pending`).
The administrator secret and console password are written only to `admin-credentials.json` (mode 0600), never to
the log; the database keeps the secret sealed and only an argon2id hash of the password.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tether.auth.secretbox import SecretBox
from tether.auth.tls import ServerTLS, ensure_server_tls
from tether.auth.tokens import new_id, new_token
from tether.server.passwords import hash_password
from tether.server.principals import root_arn
from tether.store import AccessKeyRepo, AuditRepo, SettingsRepo

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "admin-credentials.json"
CONSOLE_PASSWORD_SETTING = "admin_console_password_hash"  # noqa: S105 (a settings key: argon2id hash of root's password)
CONSOLE_PASSWORD_KEY = "ConsolePassword"  # noqa: S105 (its key in admin-credentials.json)
CREDENTIALS_WRITTEN_SETTING = "admin_credentials_written"  # set once admin-credentials.json was written
CONSOLE_ROOT_NAME = "root"  # the user name the account root signs in to the console with (no RAM user may have it)


@dataclass(frozen=True)
class AdminCredentials:
    """What `tether` clients need to act as the administrator (the secret is hidden from repr)."""

    server: str
    access_key_id: str
    access_key_secret: str
    ca_cert: Path | None
    console_password: str | None = None  # known only when this start generated it

    def __repr__(self) -> str:
        return f"AdminCredentials(server={self.server!r}, access_key_id={self.access_key_id!r})"

    def to_json(self) -> dict[str, str | None]:
        document = {
            "server": self.server,
            "access_key_id": self.access_key_id,
            "access_key_secret": self.access_key_secret,
            "ca_cert": str(self.ca_cert) if self.ca_cert else None,
        }
        if self.console_password is not None:
            document[CONSOLE_PASSWORD_KEY] = self.console_password
        return document


def node_id(data_dir: Path) -> str:
    """This node's stable name (kept in DATA_DIR/node-id), used to mark which agents it holds."""
    path = data_dir / "node-id"
    if path.exists():
        return path.read_text().strip()
    value = f"node-{secrets.token_hex(8)}"
    path.write_text(value + "\n")
    return value


def tls_names(listen_host: str, public_url: str | None, extra: list[str] | None = None) -> list[str]:
    """The names the built-in certificate covers: loopback, this host, the listen address, the public URL's host
    and the operator's --tls-san names."""
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname(), *(extra or [])]
    if listen_host not in ("0.0.0.0", "::", ""):
        names.append(listen_host)
    if public_url:
        host = urlsplit(public_url).hostname
        if host:
            names.append(host)
    return list(dict.fromkeys(names))


def ensure_tls(
    data_dir: Path, listen_host: str, public_url: str | None, extra: list[str] | None = None
) -> ServerTLS:
    return ensure_server_tls(data_dir / "tls", tls_names(listen_host, public_url, extra))


async def account_id(settings: SettingsRepo) -> str:
    return await settings.get_or_create("account_id", lambda: str(secrets.randbelow(9 * 10**15) + 10**15))


async def ensure_admin_key(
    settings: SettingsRepo, keys: AccessKeyRepo, box: SecretBox, account: str
) -> tuple[str, str, bool]:
    """The administrator key id and secret, creating them on first start; the flag says whether it was new."""
    key_id = await settings.get("admin_access_key_id")
    if key_id is not None:
        key = await keys.get(key_id)
        if key is None:
            raise RuntimeError(f"the administrator access key {key_id} is missing from the database")
        return key_id, box.decrypt(key.secret_encrypted), False
    key_id = new_id("TAK", 20).replace("-", "").upper()
    secret = new_token()
    await keys.create(key_id, root_arn(account), box.encrypt(secret))
    await settings.set("admin_access_key_id", key_id)
    return key_id, secret, True


def generate_console_password() -> str:
    """A random console password (144 bits, 24 URL-safe characters: easy to paste, no quoting trouble)."""
    return secrets.token_urlsafe(18)


async def ensure_console_password(settings: SettingsRepo) -> str | None:
    """Give the account root a random console password on first start (or the first start of this version).

    Returns the password when this call created it (the only time it is known in clear), else None. With several
    nodes starting at once, the first stored hash wins and only that node reports a password.
    """
    if await settings.get(CONSOLE_PASSWORD_SETTING) is not None:
        return None
    password = generate_console_password()
    hashed = await hash_password(password)
    stored = await settings.get_or_create(CONSOLE_PASSWORD_SETTING, lambda: hashed)
    return password if stored == hashed else None


async def credentials_pending(
    settings: SettingsRepo, audit: AuditRepo, file_exists: bool, account: str, *, created: bool
) -> bool:
    """Whether the administrator credentials exist but never reached anyone, so this start must write them.

    The first start creates the key and console password in the database and writes admin-credentials.json only
    once the server listens; a start that fails (or is killed) in between used to leave credentials nobody could
    ever read. So the file's delivery is marked (`admin_credentials_written`) once it is written, and a start that
    finds no mark, no file and no action ever taken as the account root writes the file again: with the same key
    (its secret is in the database, sealed) and a new console password (only a hash of the old one exists, and
    nobody saw it). Once marked, a removed file stays removed, as before. A server that kept no mark (an older
    version) counts as delivered when the file is there or the root has acted.

    With a shared PostgreSQL database another node may be in the middle of its own first start, so there the console
    password is not renewed: the file gets the key, and the log says to set a password with
    `tether console admin-password`."""
    if created:
        return True
    if file_exists or await settings.get(CREDENTIALS_WRITTEN_SETTING) is not None:
        return False
    acted = await audit.lookup(principal_arn=root_arn(account), limit=1)
    return not acted.events


async def renew_console_password(settings: SettingsRepo) -> str:
    """A new random console password for the root (replacing one that was never delivered); returns it."""
    password = generate_console_password()
    await settings.set(CONSOLE_PASSWORD_SETTING, await hash_password(password))
    return password


async def mark_credentials_written(settings: SettingsRepo) -> None:
    if await settings.get(CREDENTIALS_WRITTEN_SETTING) is None:
        await settings.set(CREDENTIALS_WRITTEN_SETTING, "1")


def _write_json(path: Path, document: dict[str, str | None]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def write_credentials(path: Path, credentials: AdminCredentials, *, created: bool) -> None:
    """Write the file on first start; later only refresh its server URL if the file is still there (keeping the
    console password written earlier, which the server itself no longer knows)."""
    if not created and not path.exists():
        log.info("administrator credentials file %s was removed; not recreating it", path)
        if credentials.console_password is not None:
            log.warning(
                "the account root's new console password could not be written anywhere; set one with "
                "`tether console admin-password`"
            )
        return
    if created and credentials.console_password is None:
        log.warning(
            "the account root's console password was not written to %s (another node may be starting with the same "
            "database); set one with `tether console admin-password`",
            path,
        )
    document = credentials.to_json()
    if not created:
        try:
            current = json.loads(path.read_text())
        except (OSError, ValueError):
            current = None
        if isinstance(current, dict) and credentials.console_password is None and current.get(CONSOLE_PASSWORD_KEY):
            document[CONSOLE_PASSWORD_KEY] = current[CONSOLE_PASSWORD_KEY]
        if current == document:
            return
    _write_json(path, document)


def forget_console_password(path: Path) -> None:
    """Drop the generated console password from the credentials file once it was changed (it would mislead)."""
    try:
        current = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if isinstance(current, dict) and current.pop(CONSOLE_PASSWORD_KEY, None) is not None:
        _write_json(path, current)
