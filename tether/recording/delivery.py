"""Delivery of sealed recordings (and, when asked, the audit trail) to S3-compatible storage.

The queue is a database table (tether/store/delivery.py), so storage being down, wrong credentials or a restart in
the middle of an upload only delay a delivery: the row stays, is retried with a capped exponential backoff, and
its last error is visible (`tether recordings status`). One `DeliveryWorker` runs per server. It claims due rows
with a lease, uploads at most CONCURRENCY at a time in worker threads, and is woken at once when a recording is
sealed; it also polls, because rows become due over time and other nodes change the configuration.

Exactly once per object key: object keys are a function of the recording (or of the audit batch), and before
uploading the worker asks the store whether the key already holds an object with the same SHA-256 (a previous
run uploaded it and crashed before noting it). After uploading it asks again and compares size and SHA-256
metadata: only that verified upload marks the row delivered, and only delivered recordings are ever pruned from
the local disk, after `LocalRetentionDays`.

Audit events are exported in batches of at most AUDIT_BATCH rows by id after a cursor, as JSON Lines with the
fields LookupEvents returns. A batch's id range is fixed when it is queued, so a retried batch has the same key
and content; the cursor advances in the transaction that marks the batch delivered. Only events older than
AUDIT_SETTLE are taken, so that a transaction that took an id earlier but committed later is not skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import logging
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tether.auth.secretbox import SecretBox
from tether.recording.recorder import Recordings
from tether.recording.s3 import FIX_CREDENTIALS, S3Error, S3Store, S3Target
from tether.store.audit import event_document
from tether.store.db import Database
from tether.store.delivery import AUDIT, RECORDING, DeliveryRepo
from tether.store.models import AuditEvent, DeliveryItem
from tether.store.sessions import SessionRepo
from tether.store.settings import SettingsRepo

log = logging.getLogger(__name__)

CONFIG_KEY = "delivery_config"  # settings row: DeliveryConfig as JSON, the secret encrypted with the SecretBox
CAST_CONTENT_TYPE = "application/x-asciicast"
JSONL_CONTENT_TYPE = "application/x-ndjson"

CONCURRENCY = 2  # uploads at a time per server
POLL_INTERVAL = 5.0  # seconds between looks at the queue when nothing wakes the worker
BACKOFF_BASE = 5.0  # first retry after this many seconds, doubling each time ...
BACKOFF_MAX = 600.0  # ... up to this
LEASE = timedelta(minutes=5)  # renewed every third of it while an upload runs
CATCH_UP_INTERVAL = 300.0  # also look for sealed recordings nobody queued this often
AUDIT_INTERVAL = 60.0  # seconds between audit exports
AUDIT_BATCH = 1000  # events per JSON Lines object (about 1 KiB each)
AUDIT_SETTLE = timedelta(seconds=2)
SHUTDOWN_TIMEOUT = 5.0  # how long stopping waits for running uploads and the last audit export
DEFAULT_REGION = "us-east-1"
DEFAULT_RETENTION_DAYS = 7
READ_BLOCK = 1 << 20


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else ""


# --- configuration ----------------------------------------------------------------------------------------------

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ACCESS_KEY_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
MAX_PREFIX = 512


def check_endpoint(value: str) -> str | None:
    """An http(s) URL with a host and nothing else ('' = AWS S3 itself); returns it without a trailing slash."""
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"Endpoint {value!r} is not an http:// or https:// URL with a host, e.g. https://s3.example.com"
        )
    if parts.username or parts.password:
        raise ValueError("Endpoint must not carry credentials: give them as AccessKeyId and SecretAccessKey")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"Endpoint {value!r} must be only scheme, host and port (the bucket goes in Bucket, paths in Prefix)"
        )
    try:
        _ = parts.port
    except ValueError:
        raise ValueError(f"Endpoint {value!r} has an invalid port") from None
    return f"{parts.scheme}://{parts.netloc}"


def check_bucket(value: str) -> str:
    """S3 bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, not an IP address."""
    problem = None
    if not _BUCKET.match(value):
        problem = "3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    elif ".." in value or ".-" in value or "-." in value:
        problem = "no two dots in a row, and no dot next to a hyphen"
    else:
        try:
            ipaddress.ip_address(value)
            problem = "not formatted as an IP address"
        except ValueError:
            pass
    if problem:
        raise ValueError(f"Bucket {value!r} is not a valid bucket name: it must be {problem}")
    return value


def check_prefix(value: str) -> str:
    """Key prefix without leading or trailing slashes; empty path segments, . and .. are refused."""
    prefix = value.strip("/")
    if len(prefix) > MAX_PREFIX:
        raise ValueError(f"Prefix is longer than {MAX_PREFIX} characters")
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in prefix):
        raise ValueError("Prefix must not contain control characters or backslashes")
    if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
        raise ValueError(f"Prefix {value!r} has an empty, '.' or '..' path segment")
    return prefix


def check_region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError(f"Region {value!r} is not a region name such as us-east-1")
    return value


def check_access_key_id(value: str) -> str:
    if not _ACCESS_KEY_ID.match(value):
        raise ValueError("AccessKeyId must be 1 to 128 printable characters without spaces")
    return value


@dataclass(frozen=True)
class DeliveryConfig:
    """The account's delivery settings. `secret_encrypted` is the SecretBox ciphertext; the secret itself is only
    ever decrypted to build a client."""

    enabled: bool = False
    endpoint: str | None = None
    bucket: str = ""
    prefix: str = ""
    region: str = DEFAULT_REGION
    access_key_id: str | None = None
    secret_encrypted: str | None = field(default=None, repr=False)
    deliver_audit: bool = False
    retention_days: int = DEFAULT_RETENTION_DAYS

    @classmethod
    def from_json(cls, text: str | None) -> DeliveryConfig:
        if not text:
            return cls()
        data = json.loads(text)
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def problems(self) -> list[str]:
        """Why this configuration cannot deliver (empty when it can)."""
        found = []
        if not self.bucket:
            found.append("Bucket is not set")
        if bool(self.access_key_id) != bool(self.secret_encrypted):
            found.append("AccessKeyId and SecretAccessKey must be set together")
        return found

    def target(self, box: SecretBox) -> S3Target:
        secret = None
        if self.secret_encrypted:
            try:
                secret = box.decrypt(self.secret_encrypted)
            except ValueError:
                raise DeliveryError(
                    f"the stored secret access key cannot be decrypted (was DATA_DIR/secret.key replaced?); set it "
                    f"again with {FIX_CREDENTIALS}"
                ) from None
        return S3Target(self.endpoint, self.bucket, self.region, self.access_key_id, secret)

    def view(self) -> dict[str, Any]:
        """The API's view: everything but the secret, of which only its presence is shown."""
        return {
            "Enabled": self.enabled,
            "Endpoint": self.endpoint or "",
            "Bucket": self.bucket,
            "Prefix": self.prefix,
            "Region": self.region,
            "AccessKeyId": self.access_key_id or "",
            "SecretAccessKeySet": bool(self.secret_encrypted),
            "DeliverAuditEvents": self.deliver_audit,
            "LocalRetentionDays": self.retention_days,
        }

    def destination(self) -> str:
        return f"s3://{self.bucket}/{self.prefix + '/' if self.prefix else ''}" if self.bucket else ""


async def load_config(settings: SettingsRepo) -> DeliveryConfig:
    return DeliveryConfig.from_json(await settings.get(CONFIG_KEY))


async def save_config(settings: SettingsRepo, config: DeliveryConfig) -> None:
    await settings.set(CONFIG_KEY, config.to_json())


def with_changes(config: DeliveryConfig, box: SecretBox, changes: dict[str, Any]) -> DeliveryConfig:
    """Apply changes given in DeliveryConfig field names; `secret` (plain text) is encrypted here, '' clears it."""
    changes = dict(changes)
    if "secret" in changes:
        secret = changes.pop("secret")
        changes["secret_encrypted"] = box.encrypt(secret) if secret else None
    return replace(config, **changes)


# --- object keys ------------------------------------------------------------------------------------------------


def _join(prefix: str, rest: str) -> str:
    return f"{prefix}/{rest}" if prefix else rest


def recording_key(prefix: str, started_at: datetime, instance_id: str, session_id: str) -> str:
    """`{prefix}/{yyyy}/{mm}/{dd}/{instance-id}/{session-id}.cast`, the date being the session's start (UTC)."""
    day = started_at.astimezone(UTC)
    return _join(prefix, f"{day:%Y}/{day:%m}/{day:%d}/{instance_id}/{session_id}.cast")


def audit_key(prefix: str, node: str, first_time: datetime, last_id: int) -> str:
    """`{prefix}/audit/{yyyy}/{mm}/{dd}/{node}-{first-event-time}-{last-id}.jsonl`."""
    day = first_time.astimezone(UTC)
    return _join(prefix, f"audit/{day:%Y}/{day:%m}/{day:%d}/{node}-{day:%Y%m%dT%H%M%SZ}-{last_id}.jsonl")


def _meta(value: str) -> str:
    """S3 user metadata travels in HTTP headers: keep it ASCII (percent-encoding anything else)."""
    return quote(value, safe=" !#$&'()*+,-./:;<=>?@[]^_`{|}~")


def jsonl(rows: Sequence[AuditEvent]) -> bytes:
    return b"".join(json.dumps(event_document(r), sort_keys=True).encode() + b"\n" for r in rows)


# --- errors -----------------------------------------------------------------------------------------------------


class DeliveryError(Exception):
    """A delivery attempt failed in a way worth retrying; str() is what `tether recordings status` shows."""


class PermanentFailure(DeliveryError):
    """Retrying cannot help (the local file is gone or altered): the row is marked `failed`."""


def _file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in blocks (blocking)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure (1, 2, ...): 5, 10, 20, ... capped at BACKOFF_MAX."""
    return float(min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


@dataclass(frozen=True)
class Delivered:
    key: str
    url: str
    size: int
    uploaded: bool  # False when the object was already there (a previous run uploaded it)


# --- pruning ----------------------------------------------------------------------------------------------------


async def prune_local_copies(
    repo: DeliveryRepo, settings: SettingsRepo, recordings: Recordings, node: str, now: datetime
) -> int:
    """Delete this node's local .cast files of recordings delivered (verified) and sealed more than
    `LocalRetentionDays` ago. Returns how many files were removed."""
    config = await load_config(settings)
    removed = 0
    cutoff = now - timedelta(days=config.retention_days)
    while True:
        batch = await repo.prunable(node, cutoff)
        if not batch:
            break
        for item_id, relative in batch:
            path = recordings.file_path(relative)
            try:
                await asyncio.to_thread(path.unlink)
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.error("could not remove the delivered recording %s: %s; will try again", path, exc)
                return removed
            await repo.mark_pruned(item_id, now)
        if len(batch) < 200:
            break
    if removed:
        log.info("removed %d local recordings delivered and older than %d days", removed, config.retention_days)
    return removed


AUDIT_ROWS_KEPT = timedelta(days=30)  # delivered audit batches are forgotten after this (their objects stay)


async def sweep(db: Database, settings: SettingsRepo, recordings: Recordings, node: str, now: datetime) -> None:
    """Housekeeping's part of delivery: prune delivered local copies, forget old delivered audit batches."""
    repo = DeliveryRepo(db)
    await prune_local_copies(repo, settings, recordings, node, now)
    await repo.forget_delivered(now - AUDIT_ROWS_KEPT)


# --- the worker -------------------------------------------------------------------------------------------------


class DeliveryWorker:
    """The one delivery task of a server: see the module docstring."""

    def __init__(
        self, *, db: Database, settings: SettingsRepo, box: SecretBox, node: str, recordings: Recordings
    ) -> None:
        self.repo = DeliveryRepo(db)
        self.node = node
        self._settings = settings
        self._box = box
        self._recordings = recordings
        self._sessions = SessionRepo(db)
        self._token = f"{node}/{uuid.uuid4().hex[:12]}"  # this process: a restarted node releases older claims
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._store: tuple[DeliveryConfig, S3Store] | None = None
        self._seen: DeliveryConfig | None = None
        self._last_catch_up = float("-inf")
        self._last_audit = float("-inf")

    def wake(self) -> None:
        self._wake.set()

    async def on_sealed(self, session_id: str) -> None:
        """Sealed-recording listener: queue it (only that: the upload happens in the worker)."""
        config = await load_config(self._settings)
        if not config.enabled:
            return  # queued by the catch-up once delivery is turned on
        if await self.repo.enqueue(kind=RECORDING, ref=session_id, node=self.node, now=_utcnow()):
            self._wake.set()

    async def catch_up(self) -> int:
        """Queue sealed recordings of this node that have no queue row (a crash between sealing and queueing, or
        sealed while delivery was off)."""
        queued = 0
        while True:
            missing = await self.repo.unqueued_recordings(self.node)
            added = 0
            for session_id in missing:
                added += await self.repo.enqueue(kind=RECORDING, ref=session_id, node=self.node, now=_utcnow())
            queued += added
            if len(missing) < 500 or not added:
                break
        if queued:
            log.info("queued %d sealed recordings for delivery", queued)
        return queued

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; then a last, bounded, audit export and wait for running uploads."""
        try:
            released = await self.repo.release_node(self.node)
        except Exception:
            log.exception("delivery: could not release the claims of a previous run; their leases will run out")
            released = 0
        if released:
            log.info("retrying %d deliveries a previous run left unfinished", released)
        while not stop.is_set():
            self._wake.clear()  # before looking: a wake-up during the cycle makes the next one start at once
            try:
                await self._cycle()
            except Exception:
                log.exception("delivery: the worker failed; retrying in %.0f s", POLL_INTERVAL)
            waker = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waker, stopper}, timeout=POLL_INTERVAL, return_when=asyncio.FIRST_COMPLETED)
            for waiter in (waker, stopper):
                waiter.cancel()
        await self._shutdown()

    async def _cycle(self) -> None:
        config = await load_config(self._settings)
        changed = config != self._seen
        self._seen = config
        if not config.enabled or config.problems():
            return
        now = time.monotonic()
        if changed or now - self._last_catch_up >= CATCH_UP_INTERVAL:
            self._last_catch_up = now
            await self.catch_up()
        if config.deliver_audit and now - self._last_audit >= AUDIT_INTERVAL:
            self._last_audit = now
            await self._queue_audit_batch()
        free = CONCURRENCY - len(self._running)
        if free <= 0:
            return
        items = await self.repo.claim_due(node=self.node, token=self._token, now=_utcnow(), lease=LEASE, limit=free)
        for item in items:
            task = asyncio.get_running_loop().create_task(self._attempt(item, config))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()  # a slot is free: look at the queue again

    async def _shutdown(self) -> None:
        try:
            async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                config = await load_config(self._settings)
                if config.enabled and config.deliver_audit and not config.problems():
                    await self._queue_audit_batch()
                    for item in await self.repo.claim_due(
                        node=self.node, token=self._token, now=_utcnow(), lease=LEASE, limit=1, kind=AUDIT
                    ):
                        await self._attempt(item, config)
                if self._running:
                    await asyncio.wait(set(self._running))
        except TimeoutError:
            log.warning("delivery: stopping with uploads unfinished; they are retried at the next start")
        except Exception:
            log.exception("delivery: the last audit export failed; it is retried at the next start")
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.wait(set(self._running))

    # --- one attempt -----------------------------------------------------------------------------------------

    def _store_for(self, config: DeliveryConfig) -> S3Store:
        if self._store is None or self._store[0] != config:
            self._store = (config, S3Store(config.target(self._box)))
        return self._store[1]

    async def _attempt(self, item: DeliveryItem, config: DeliveryConfig) -> None:
        """One try at one row; never raises (but for cancellation): whatever fails is logged and the row's lease
        runs out, so it is tried again."""
        try:
            await self._try(item, config)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery of %s %s: could not record the outcome", item.kind, item.ref)

    async def _try(self, item: DeliveryItem, config: DeliveryConfig) -> None:
        keeper = asyncio.get_running_loop().create_task(self._keep_lease(item))
        what = f"{item.kind} {item.ref}"
        try:
            store = self._store_for(config)
            if item.kind == RECORDING:
                done = await self._deliver_recording(item, config, store)
            else:
                done = await self._deliver_audit(item, config, store)
        except PermanentFailure as exc:
            log.error("delivery of %s failed for good: %s", what, exc)
            await self.repo.mark_failed(item.id, self._token, error=str(exc), now=_utcnow())
        except (DeliveryError, S3Error) as exc:
            delay = backoff(item.attempts + 1)
            log.warning(
                "delivery of %s failed (attempt %d), retrying in %.0f s: %s", what, item.attempts + 1, delay, exc
            )
            now = _utcnow()
            await self.repo.mark_retry(
                item.id, self._token, error=str(exc), next_at=now + timedelta(seconds=delay), now=now
            )
        except asyncio.CancelledError:
            raise  # stopping: the claim is released at the next start
        except Exception as exc:
            log.exception("delivery of %s failed unexpectedly", what)
            delay = backoff(item.attempts + 1)
            now = _utcnow()
            await self.repo.mark_retry(
                item.id,
                self._token,
                error=f"internal error: {type(exc).__name__}: {exc}"[:512],
                next_at=now + timedelta(seconds=delay),
                now=now,
            )
        else:
            if await self.repo.mark_delivered(
                item, self._token, key=done.key, url=done.url, size=done.size, now=_utcnow()
            ):
                log.info(
                    "delivered %s to %s (%d bytes%s)",
                    what,
                    done.url,
                    done.size,
                    "" if done.uploaded else ", already there",
                )
                if item.kind == AUDIT:
                    self._last_audit = float("-inf")  # more events may be waiting: the next batch at once
                elif config.retention_days == 0:
                    await prune_local_copies(self.repo, self._settings, self._recordings, self.node, _utcnow())
        finally:
            keeper.cancel()

    async def _keep_lease(self, item: DeliveryItem) -> None:
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 3)
            if not await self.repo.renew(item.id, self._token, _utcnow() + LEASE):
                log.warning("delivery of %s %s: lost its lease", item.kind, item.ref)
                return

    async def _verified(self, store: S3Store, key: str, size: int, sha256: str) -> None:
        info = await asyncio.to_thread(store.head, key)
        if info is None:
            raise DeliveryError(f"uploaded s3://{store.target.bucket}/{key} but it is not there when read back")
        if info.size != size or info.metadata.get("sha256") != sha256:
            raise DeliveryError(
                f"uploaded s3://{store.target.bucket}/{key} but it reads back as {info.size} bytes with sha256 "
                f"{info.metadata.get('sha256') or '(none)'}, not {size} bytes with sha256 {sha256}"
            )

    async def _deliver_recording(self, item: DeliveryItem, config: DeliveryConfig, store: S3Store) -> Delivered:
        recording = await self._recordings.repo.get(item.ref)
        session = await self._sessions.get(item.ref)
        if recording is None or session is None:
            raise PermanentFailure(f"session {item.ref} has no recording row any more")
        if not recording.sealed or recording.sha256 is None or recording.size is None:
            raise DeliveryError(f"the recording of {item.ref} is not sealed yet")
        key = recording_key(config.prefix, recording.started_at, session.instance_id, item.ref)
        url = store.target.url(key)
        await self.repo.note_key(item.id, self._token, key, recording.size)
        existing = await asyncio.to_thread(store.head, key)
        if existing is not None:
            if existing.metadata.get("sha256") == recording.sha256 and existing.size == recording.size:
                return Delivered(key, url, recording.size, uploaded=False)
            raise PermanentFailure(
                f"{url} already holds a different object (sha256 {existing.metadata.get('sha256') or 'unknown'}, "
                f"{existing.size} bytes); it is not overwritten. Check whether two servers share this bucket and "
                f"prefix"
            )
        path = self._recordings.file_path(recording.path)
        try:
            size, digest = await asyncio.to_thread(_file_digest, path)
        except FileNotFoundError:
            raise PermanentFailure(f"the local copy {path} is missing; the recording cannot be delivered") from None
        except OSError as exc:
            raise DeliveryError(f"cannot read the local copy {path}: {exc.strerror or exc}") from None
        if (size, digest) != (recording.size, recording.sha256):
            raise PermanentFailure(
                f"the local copy {path} no longer matches its seal ({size} bytes, sha256 {digest}; sealed as "
                f"{recording.size} bytes, {recording.sha256}); it is not delivered"
            )
        metadata = {
            "user": _meta(session.principal),
            "instance": session.instance_id,
            "session": item.ref,
            "start": _iso(recording.started_at),
            "end": _iso(recording.ended_at),
            "exit-status": "" if session.exit_status is None else str(session.exit_status),
            "sha256": recording.sha256,
        }
        await asyncio.to_thread(store.upload_file, path, key, metadata, CAST_CONTENT_TYPE)
        await self._verified(store, key, recording.size, recording.sha256)
        return Delivered(key, url, recording.size, uploaded=True)

    # --- audit ----------------------------------------------------------------------------------------------

    async def _queue_audit_batch(self) -> None:
        """Queue the next batch of audit events after the cursor, unless one is still on its way."""
        if await self.repo.open_audit_batch() is not None:
            return
        cursor = await self.repo.audit_cursor()
        span = await self.repo.audit_span(cursor, _utcnow() - AUDIT_SETTLE, AUDIT_BATCH)
        if span is None:
            return
        first_id, last_id, first_time = span
        if await self.repo.enqueue(
            kind=AUDIT,
            ref=f"after-{cursor}",
            node=self.node,
            now=_utcnow(),
            first_id=first_id,
            last_id=last_id,
            first_time=first_time,
        ):
            self._wake.set()

    async def _deliver_audit(self, item: DeliveryItem, config: DeliveryConfig, store: S3Store) -> Delivered:
        if item.first_id is None or item.last_id is None or item.first_time is None:
            raise PermanentFailure(f"audit batch {item.ref} has no event range")
        key = audit_key(config.prefix, item.node, item.first_time, item.last_id)
        url = store.target.url(key)
        rows = await self.repo.audit_events(item.first_id, item.last_id)
        data = jsonl(rows)
        digest = hashlib.sha256(data).hexdigest()
        await self.repo.note_key(item.id, self._token, key, len(data))
        existing = await asyncio.to_thread(store.head, key)
        if existing is not None and existing.metadata.get("sha256"):
            # the key names the batch; its content can differ only if events were pruned meanwhile
            return Delivered(key, url, existing.size, uploaded=False)
        metadata = {
            "node": item.node,
            "first-id": str(item.first_id),
            "last-id": str(item.last_id),
            "events": str(len(rows)),
            "sha256": digest,
        }
        await asyncio.to_thread(store.put_bytes, key, data, metadata, JSONL_CONTENT_TYPE)
        await self._verified(store, key, len(data), digest)
        return Delivered(key, url, len(data), uploaded=True)
