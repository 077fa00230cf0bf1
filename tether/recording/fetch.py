"""Reading a delivered recording back from S3-compatible storage, for GetSessionRecording once its local copy was
pruned (docs/recording.md, Delivery).

The object is found by its `delivered_url` (`s3://bucket/key`), not by today's prefix, which may have changed
since; the bucket too is the URL's, reached with today's endpoint and credentials. Before anything is sent the
object is HEADed, and refused when its size or SHA-256 metadata is not the sealed recording's (someone replaced
it). The body is then read CHUNK bytes at a time in a worker thread (boto3 blocks) and hashed on the way, so a
1 GiB recording costs one chunk of memory; a digest that still differs at the end can only be logged, since the
answer's headers are long gone.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import replace

from tether.auth.secretbox import SecretBox
from tether.recording.delivery import DeliveryConfig
from tether.recording.s3 import ObjectReader, S3Store, S3Target

log = logging.getLogger(__name__)

CHUNK = 256 * 1024


class NotConfigured(Exception):
    """Delivery has no usable settings any more: nothing says where or how to read the object."""


class ObjectMissing(Exception):
    """No object at the URL (deleted from the bucket, or the bucket is gone)."""


class ObjectReplaced(Exception):
    """The object at the URL is not the recording that was delivered there."""


def split_url(url: str) -> tuple[str, str]:
    """`s3://bucket/key` -> (bucket, key). Split by hand: a key is not a URL path (it may hold `?` or `#`)."""
    scheme, _, rest = url.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme != "s3" or not bucket or not key:
        raise ValueError(f"{url!r} is not an s3://bucket/key URL")
    return bucket, key


@functools.lru_cache(maxsize=4)
def _store(target: S3Target) -> S3Store:
    """One store (one boto3 client, made on first use) per target: a client costs tens of milliseconds to build,
    and replays come in runs."""
    return S3Store(target)


def store_for(config: DeliveryConfig, box: SecretBox, url: str) -> S3Store:
    """The store holding `url`: today's endpoint, region and credentials, the URL's bucket. Raises NotConfigured,
    DeliveryError (the stored secret cannot be decrypted) or ValueError (not an s3:// URL)."""
    if not config.bucket or config.problems():
        raise NotConfigured("; ".join(config.problems()) or "Bucket is not set")
    bucket, _ = split_url(url)
    return _store(replace(config.target(box), bucket=bucket))


class DeliveredObject:
    """An opened delivered recording: `size` bytes to come from `chunks()`, then `close()`."""

    def __init__(self, reader: ObjectReader, url: str, sha256: str | None) -> None:
        self.url = url
        self.size = reader.size
        self._reader = reader
        self._sha256 = sha256

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The body, CHUNK bytes at a time, each read in a worker thread. Raises S3Error when the connection to
        the store breaks; logs (only) when the whole does not hash to the sealed SHA-256."""
        digest = hashlib.sha256()
        size = 0
        while chunk := await asyncio.to_thread(self._reader.read, CHUNK):
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        if self._sha256 is not None and digest.hexdigest() != self._sha256:
            log.error(
                "%s was served although its %d bytes hash to sha256 %s, not %s as sealed: the object changed "
                "while it was read, or the store returned other bytes",
                self.url,
                size,
                digest.hexdigest(),
                self._sha256,
            )

    def close(self) -> None:
        self._reader.close()


def _check(url: str, size: int, metadata: dict[str, str], sha256: str | None, sealed_size: int | None) -> None:
    found = metadata.get("sha256")
    if (sha256 is not None and found != sha256) or (sealed_size is not None and size != sealed_size):
        raise ObjectReplaced(
            f"{url} holds {size} bytes with sha256 {found or '(none)'}, not the recording as sealed "
            f"({sealed_size} bytes, sha256 {sha256}): it was replaced or altered in the bucket"
        )


async def open_delivered(store: S3Store, url: str, sha256: str | None, size: int | None) -> DeliveredObject:
    """HEAD, check, then GET `url` (see the module docstring). Raises ObjectMissing, ObjectReplaced or S3Error."""
    _, key = split_url(url)
    info = await asyncio.to_thread(store.head, key)
    if info is None:
        raise ObjectMissing(url)
    _check(url, info.size, info.metadata, sha256, size)
    reader = await asyncio.to_thread(store.open, key)
    if reader is None:
        raise ObjectMissing(url)  # deleted between the HEAD and the GET
    try:
        _check(url, reader.size, reader.metadata, sha256, size)  # replaced between the HEAD and the GET
    except ObjectReplaced:
        reader.close()
        raise
    return DeliveredObject(reader, url, sha256)
