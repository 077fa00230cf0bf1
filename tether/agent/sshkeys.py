"""Temporary SSH keys: make a pushed public key valid for one user's SSH logins for a short time (docs/ssh.md).

Mechanism: one managed authorized-keys file per user, `STATE_DIR/ssh-keys/USERNAME`, which sshd reads in addition
to the user's own files (`AuthorizedKeysFile ... STATE_DIR/ssh-keys/%u`, see `tether.agent.sshd`). Each line is

    expiry-time="20250101120000Z" ssh-ed25519 AAAA... tether-expires=1735732800

Why this way:
- sshd itself refuses the key once `expiry-time` has passed, so a key never outlives its lifetime even if the agent
  is killed before it removes the line; the agent only tidies up (a timer at the earliest expiry, and a prune on every
  push and at start).
- The user's own `~/.ssh/authorized_keys` is never opened: no risk of corrupting it, no race with the user editing
  it, nothing to restore.
- Stock OpenSSH, no AuthorizedKeysCommand helper process (which would run on every login attempt, as a user we
  would have to create, and fail closed when the agent is down).
Files and their directory are owned by root (the agent), directory 0755 and files 0644, because sshd's StrictModes
refuses files a user could have planted, and sshd opens the file as the target user.

Writes happen under an exclusive `flock` on `ssh-keys/.lock`, as write-temp + fsync + rename, so concurrent pushes
(threads of this agent, or a second agent process by mistake) never lose a key and sshd never reads half a file.

Pushed keys are checked strictly before they reach the file: one line, a known key type, a base64 blob whose
embedded type matches and whose fields parse exactly; the client's comment is dropped. Anything else (options such
as `command="..."`, quotes, a second line) is refused, since a line in this file is a root-written grant.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import stat
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tether.agent.config import AgentSettings
from tether.agent.errors import AgentError
from tether.agent.sshd import SshdStatus, check_sshd, keys_dir, path_problem, sshd_version
from tether.agent.users import LoginUser, resolve_login_user, valid_user_name
from tether.protocol.control import PushKey, PushKeyResult

log = logging.getLogger(__name__)

MAX_KEY_TEXT = 16384  # an RSA-16384 key is ~2.8 KB of base64; anything much longer is not a public key
MAX_LIFETIME = 3600.0  # "temporary": the server asks for 60 s by default
MAX_KEYS_PER_USER = 64  # live keys per user file; keeps every file (and sshd's scan of it) small
MAX_PENDING_PUSHES = 64  # pushes being processed at once
SSHD_CHECK_TTL = 5.0  # a burst of pushes shares one `sshd -T`
PRUNE_RETRY = 60.0
LOCK_FILE = ".lock"

# Key type -> how many length-prefixed fields follow the type name in the key blob (RFC 4253, 5656, 8709, PROTOCOL.u2f).
KEY_FIELDS = {
    "ssh-ed25519": 1,
    "ssh-rsa": 2,
    "ecdsa-sha2-nistp256": 2,
    "ecdsa-sha2-nistp384": 2,
    "ecdsa-sha2-nistp521": 2,
    "sk-ssh-ed25519@openssh.com": 2,
    "sk-ecdsa-sha2-nistp256@openssh.com": 3,
}
_LINE = re.compile(r'^(?:expiry-time="[0-9]{14}Z?" )?(\S+) ([A-Za-z0-9+/=]+) tether-expires=([0-9]{1,12})$')


class PushKeyError(AgentError):
    """A push was refused; `code` and `message` go into `push_key_result`."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A validated OpenSSH public key: its type and raw blob (the comment is not kept)."""

    type: str
    blob: bytes

    @property
    def text(self) -> str:
        return f"{self.type} {base64.b64encode(self.blob).decode('ascii')}"

    @property
    def fingerprint(self) -> str:
        """`SHA256:...` as `ssh-keygen -l` prints it: what logs may show instead of the key."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode("ascii").rstrip("=")
        return f"SHA256:{digest}"


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One line of a managed file."""

    key: PublicKey
    expires: int  # Unix time (seconds) after which sshd refuses the key


def _ssh_fields(blob: bytes) -> Iterator[bytes]:
    """Split an SSH wire blob into its length-prefixed fields; raise ValueError if it does not parse exactly."""
    i = 0
    while i < len(blob):
        if i + 4 > len(blob):
            raise ValueError("truncated length")
        (n,) = struct.unpack_from(">I", blob, i)
        i += 4
        if n > len(blob) - i:
            raise ValueError("field longer than the blob")
        yield blob[i : i + n]
        i += n


def parse_public_key(text: str) -> PublicKey:
    """Validate one OpenSSH public key line (`type base64 [comment]`); raise `PushKeyError("InvalidPublicKey")`."""

    def bad(why: str) -> PushKeyError:
        return PushKeyError("InvalidPublicKey", f"the public key is not usable: {why}")

    if len(text) > MAX_KEY_TEXT:
        raise bad(f"it is longer than {MAX_KEY_TEXT} characters")
    line = text.strip()
    if not line:
        raise bad("it is empty")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in line):
        raise bad("it must be a single line without control characters")
    if '"' in line or "'" in line or "\\" in line:
        raise bad("quotes and backslashes are not allowed (authorized_keys options cannot be pushed)")
    parts = line.split()
    key_type = parts[0]
    if key_type not in KEY_FIELDS:
        raise bad(
            f"it must start with a key type ({', '.join(sorted(KEY_FIELDS))}); options and certificates are not "
            "accepted"
        )
    if len(parts) < 2:
        raise bad("the base64 key data is missing")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise bad("the key data is not base64") from None
    try:
        fields = list(_ssh_fields(blob))
    except ValueError as e:
        raise bad(f"the key data is malformed ({e})") from None
    if not fields or fields[0] != key_type.encode("ascii"):
        raise bad("the key data does not match its type")
    if len(fields) - 1 != KEY_FIELDS[key_type] or not all(fields[1:]):
        raise bad("the key data has the wrong structure for its type")
    if key_type == "ssh-ed25519" and len(fields[1]) != 32:
        raise bad("an Ed25519 key is 32 bytes")
    return PublicKey(key_type, blob)


def expiry_timespec(expires: int, *, utc: bool) -> str:
    """The `expiry-time` value: UTC with a `Z` (OpenSSH 8.7+), else the system's local time as sshd reads it."""
    if utc:
        return datetime.fromtimestamp(expires, UTC).strftime("%Y%m%d%H%M%SZ")
    return time.strftime("%Y%m%d%H%M%S", time.localtime(expires))


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KeyStore:
    """The managed files under `STATE_DIR/ssh-keys`: add a key, prune expired ones. Blocking; thread-safe.

    `expiry_style` is "utc" (OpenSSH >= 8.7 understands `...Z`), "local" (older: local time) or "none" (sshd older
    than 7.7 has no `expiry-time`; only pruning removes keys then).
    """

    def __init__(self, state_dir: Path, *, expiry_style: str = "utc") -> None:
        self.state_dir = state_dir.expanduser().absolute()
        self.directory = keys_dir(self.state_dir)
        self.expiry_style = expiry_style

    def path(self, username: str) -> Path:
        if not valid_user_name(username):
            raise ValueError(f"{username!r} is not a valid user name")
        return self.directory / username

    def prepare(self) -> None:
        """Create `ssh-keys/` (0755) and let users traverse the state directory (0711: enter, not list)."""
        self.directory.mkdir(mode=0o755, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o755)  # noqa: S103 - public keys only; sshd reads them as the user
        st = self.state_dir.stat()
        if st.st_uid == os.geteuid() and not st.st_mode & 0o001:
            # sshd opens the file as the target user, who must be able to pass through the state directory. Every
            # secret inside it is mode 0600, so execute-only access reveals nothing (names cannot even be listed).
            os.chmod(self.state_dir, stat.S_IMODE(st.st_mode) | 0o011)  # noqa: S103 - traverse only, see above

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def entries(self, username: str) -> list[KeyEntry]:
        """The entries of a user's file (unparseable lines are skipped: they are dropped at the next write)."""
        try:
            text = self.path(username).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        result = []
        for line in text.splitlines():
            match = _LINE.match(line)
            if match is None:
                continue
            try:
                key = parse_public_key(f"{match.group(1)} {match.group(2)}")
            except PushKeyError:
                continue
            result.append(KeyEntry(key, int(match.group(3))))
        return result

    def add(self, username: str, key: PublicKey, expires: int, *, now: float | None = None) -> None:
        """Add (or extend) `key` for `username` until `expires`, dropping expired lines; raise `PushKeyError`."""
        now = time.time() if now is None else now
        self.prepare()
        with self._locked():
            live = [e for e in self.entries(username) if e.expires > now and e.key.blob != key.blob]
            if len(live) >= MAX_KEYS_PER_USER:
                raise PushKeyError(
                    "KeyLimitExceeded",
                    f"{username!r} already has {len(live)} temporary keys; wait for some to expire",
                )
            live.append(KeyEntry(key, expires))
            self._write(username, live)

    def prune(self, *, now: float | None = None) -> int | None:
        """Remove expired lines from every file (and empty files); return the earliest remaining expiry, if any."""
        now = time.time() if now is None else now
        if not self.directory.is_dir():
            return None
        earliest: int | None = None
        with self._locked():
            for path in self.directory.iterdir():
                name = path.name
                if name.startswith(".") or not valid_user_name(name) or not path.is_file():
                    continue
                entries = self.entries(name)
                live = [e for e in entries if e.expires > now]
                raw_lines = len(path.read_bytes().splitlines())
                if len(live) != raw_lines:
                    self._write(name, live)
                    removed = raw_lines - len(live)
                    log.info("removed %d expired temporary SSH key(s) of %r", removed, name)
                for e in live:
                    earliest = e.expires if earliest is None else min(earliest, e.expires)
        return earliest

    def _line(self, entry: KeyEntry) -> str:
        option = ""
        if self.expiry_style != "none":
            option = f'expiry-time="{expiry_timespec(entry.expires, utc=self.expiry_style == "utc")}" '
        return f"{option}{entry.key.text} tether-expires={entry.expires}\n"

    def _write(self, username: str, entries: list[KeyEntry]) -> None:
        """Replace the user's file atomically (temp + fsync + rename); an empty list removes the file."""
        target = self.path(username)
        if not entries:
            target.unlink(missing_ok=True)
            return
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.writelines(self._line(e) for e in entries)
                f.flush()
                os.fchmod(f.fileno(), 0o644)
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def expiry_style_for(version: tuple[int, int] | None) -> str:
    """Which `expiry-time` form this sshd understands (see `KeyStore`)."""
    if version is None or version >= (8, 7):
        return "utc"
    if version >= (7, 7):
        return "local"
    return "none"


class SshKeyManager:
    """Handles `push_key` for the agent: validation, user rules, the sshd check, the store and timed removal."""

    def __init__(
        self,
        state_dir: Path,
        settings: AgentSettings,
        *,
        sshd_check: Callable[[str], SshdStatus] | None = None,
        resolve_user: Callable[[str | None, AgentSettings], LoginUser] = resolve_login_user,
    ) -> None:
        self.settings = settings
        self.state_dir = state_dir.expanduser().absolute()
        self.store = KeyStore(self.state_dir)
        self._sshd_check = sshd_check or (
            lambda user: check_sshd(settings.sshd_binary, settings.sshd_config, self.state_dir, user)
        )
        self._resolve_user = resolve_user
        self._checked: dict[str, tuple[float, SshdStatus]] = {}
        self._check_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending = 0

    async def start(self) -> None:
        """Learn the sshd version, prune leftovers, start the expiry timer, and log whether sshd is set up."""
        version = await asyncio.to_thread(sshd_version, self.settings.sshd_binary)
        self.store.expiry_style = expiry_style_for(version)
        if self.store.expiry_style == "none":
            log.warning("sshd is older than OpenSSH 7.7: temporary keys expire only when the agent removes them")
        if self.store.directory.is_dir():
            # A restart (or systemd's StateDirectoryMode) may have reset the state directory to 0700.
            try:
                await asyncio.to_thread(self.store.prepare)
            except OSError as e:
                log.warning("cannot prepare %s for temporary SSH keys: %s", self.store.directory, e)
        self._task = asyncio.create_task(self._expiry_loop(), name="ssh-key-expiry")
        if not os.access(self.settings.sshd_binary, os.X_OK):
            log.info("temporary SSH keys are unavailable: %s is not installed", self.settings.sshd_binary)
            return
        status = await self._sshd_status(self.settings.default_user)
        if status.ok:
            log.info("sshd reads temporary SSH keys from %s", self.store.directory)
        else:
            log.warning("temporary SSH keys are unavailable until sshd is set up: %s", status.problem)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def push(self, message: PushKey) -> PushKeyResult:
        """Apply one `push_key`; never raises: the outcome is the `push_key_result` to send."""
        if self._pending >= MAX_PENDING_PUSHES:
            return PushKeyResult(message.request_id, False, "Throttling", "too many key pushes at once; retry")
        self._pending += 1
        try:
            expires, fingerprint, user = await self._push(message)
        except AgentError as e:  # PushKeyError, or a LoginError for the user: its code is the answer as it is
            log.warning("push_key %s refused: %s: %s", message.request_id, e.code, e.message)
            return PushKeyResult(message.request_id, False, e.code, e.message)
        except Exception as e:
            log.exception("push_key %s failed", message.request_id)
            return PushKeyResult(message.request_id, False, "InternalError", f"the agent could not add the key: {e}")
        finally:
            self._pending -= 1
        log.info("temporary SSH key %s for %r valid until %s", fingerprint, user, iso_utc(expires))
        return PushKeyResult(message.request_id, True, expires_at=iso_utc(expires))

    async def _push(self, message: PushKey) -> tuple[int, str, str]:
        lifetime = message.lifetime
        if not 0 < lifetime <= MAX_LIFETIME:
            raise PushKeyError("InvalidParameter", f"lifetime must be between 1 and {MAX_LIFETIME:g} seconds")
        key = parse_public_key(message.public_key)
        user = await asyncio.to_thread(self._resolve_user, message.username or None, self.settings)
        status = await self._sshd_status(user.name)
        if not status.ok:
            raise PushKeyError("SshdNotConfigured", status.problem)
        await asyncio.to_thread(self.store.prepare)
        problem = await asyncio.to_thread(path_problem, self.store.directory / user.name, user.uid)
        if problem is not None:
            raise PushKeyError("SshdNotConfigured", problem)
        expires = int(time.time() + lifetime)
        await asyncio.to_thread(self.store.add, user.name, key, expires)
        self._wake.set()
        return expires, key.fingerprint, user.name

    async def _sshd_status(self, user: str) -> SshdStatus:
        """`sshd -T` for `user`, shared by pushes within SSHD_CHECK_TTL (one at a time, so a burst runs it once)."""
        async with self._check_lock:
            cached = self._checked.get(user)
            if cached is not None and time.monotonic() - cached[0] < SSHD_CHECK_TTL:
                return cached[1]
            status = await asyncio.to_thread(self._sshd_check, user)
            if len(self._checked) > 256:
                self._checked.clear()
            self._checked[user] = (time.monotonic(), status)
            return status

    async def _expiry_loop(self) -> None:
        """Remove expired lines at the earliest expiry (sshd already refuses them; this keeps the files tidy)."""
        while True:
            self._wake.clear()
            try:
                earliest = await asyncio.to_thread(self.store.prune)
                delay = 3600.0 if earliest is None else max(0.2, earliest - time.time() + 0.5)
            except OSError as e:
                log.warning("cannot prune temporary SSH keys in %s: %s", self.store.directory, e)
                delay = PRUNE_RETRY
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that races a set event.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
