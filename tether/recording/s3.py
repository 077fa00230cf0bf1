"""The S3 calls of delivery, and only those: HEAD an object, upload a file or some bytes, open one for reading in
pieces (a delivered recording whose local copy was pruned), and say clearly why one failed.

boto3 is synchronous; every method here blocks and is meant to run in a worker thread (`asyncio.to_thread`), so a
slow or unreachable store never stalls the event loop that carries sessions. Timeouts and retries are explicit:
10 s to connect, 60 s per read, three attempts in botocore's "standard" mode; the delivery queue does the patient
retrying on top. Custom endpoints use path-style addressing (`http://host:port/bucket/key`), which every
S3-compatible server understands and which needs no wildcard DNS. Payload checksums are sent only where the API
requires them, since several S3-compatible servers reject the newer default trailing checksums.

Error messages name the endpoint, bucket or key and what to do, and never contain the secret key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
MAX_ATTEMPTS = 3
MULTIPART_THRESHOLD = 8 * 1024 * 1024
MULTIPART_CHUNK = 8 * 1024 * 1024
MULTIPART_CONCURRENCY = 2  # memory stays near concurrency x chunk for any file size
FIX_CREDENTIALS = "tether settings delivery --s3-access-key-id ID --s3-secret-access-key-stdin"


@dataclass(frozen=True)
class S3Target:
    """Where to deliver: the endpoint (None = AWS S3 itself), bucket, region and credentials (None = the server
    process's default AWS credential chain)."""

    endpoint: str | None
    bucket: str
    region: str
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        return self.endpoint or f"AWS S3 ({self.region})"

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


class S3Error(Exception):
    """A failed S3 call: `code` is the S3 error code (or a name of ours), str() says what happened and what to do."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    metadata: dict[str, str]


class ObjectReader:
    """An object opened with a GET: its size (of the range asked for), user metadata, and a body read a piece at a
    time. Blocking like S3Store's methods: call `read` in a worker thread. Close it when done (also early), which
    gives the connection back."""

    def __init__(self, store: S3Store, key: str, size: int, metadata: dict[str, str], body: Any) -> None:
        self.store = store
        self.key = key
        self.size = size
        self.metadata = metadata
        self._body = body

    def read(self, amount: int) -> bytes:
        """Up to `amount` bytes; b"" at the end. A connection lost half-way, or a body shorter than announced,
        raises S3Error."""
        errors = _errors()
        try:
            return bytes(self._body.read(amount))
        except (errors.BotoCoreError, OSError) as exc:
            raise self.store.error(exc, self.key, reading=True) from None

    def close(self) -> None:
        self._body.close()


def _errors() -> ModuleType:
    """botocore's exceptions, imported on first use: boto3 costs about 100 ms and 20 MiB to import, which only a
    server that delivers should pay (the module is imported by every server)."""
    import botocore.exceptions

    return botocore.exceptions


class S3Store:
    """One bucket at one endpoint. Thread-safe: the client is made once (under a lock) and boto3 clients may be
    shared between threads."""

    def __init__(self, target: S3Target) -> None:
        self.target = target
        self._client: Any = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3.session
                from botocore.config import Config

                config = Config(
                    connect_timeout=CONNECT_TIMEOUT,
                    read_timeout=READ_TIMEOUT,
                    retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
                    s3={"addressing_style": "path" if self.target.endpoint else "auto"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                )
                session = boto3.session.Session()
                self._client = session.client(
                    "s3",
                    endpoint_url=self.target.endpoint or None,
                    region_name=self.target.region,
                    aws_access_key_id=self.target.access_key_id or None,
                    aws_secret_access_key=self.target.secret_access_key or None,
                    config=config,
                )
            return self._client

    def head(self, key: str) -> ObjectInfo | None:
        """Size and user metadata of `key`, or None when there is no such object."""
        errors = _errors()
        try:
            reply = self._s3().head_object(Bucket=self.target.bucket, Key=key)
        except errors.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            if status == 403 or _code(exc) == "403":
                # a HEAD answer has no body, so the reason (bad key? no permission?) is not in it: ask with a GET
                raise self._diagnose(key) from None
            raise self.error(exc, key) from None
        except errors.BotoCoreError as exc:
            raise self.error(exc, key) from None
        return ObjectInfo(int(reply.get("ContentLength", 0)), dict(reply.get("Metadata") or {}))

    def _diagnose(self, key: str) -> S3Error:
        errors = _errors()
        try:
            self._s3().get_object(Bucket=self.target.bucket, Key=key, Range="bytes=0-0")["Body"].close()
        except (errors.ClientError, errors.BotoCoreError) as exc:
            error = self.error(exc, key)
            if error.code not in ("404", "NoSuchKey"):
                return error
        return S3Error(
            f"AccessDenied: HEAD of s3://{self.target.bucket}/{key} at {self.target.where} was refused (403); "
            f"the access key needs s3:GetObject and s3:PutObject on the bucket",
            code="AccessDenied",
        )

    def open(self, key: str, first: int = 0, last: int | None = None) -> ObjectReader | None:
        """GET `key` (bytes `first`..`last`, inclusive, when a range is asked for) without reading its body: the
        caller reads it in pieces, so memory stays bounded for any size. None when there is no such object."""
        errors = _errors()
        request: dict[str, Any] = {"Bucket": self.target.bucket, "Key": key}
        if first or last is not None:
            request["Range"] = f"bytes={first}-{'' if last is None else last}"
        try:
            reply = self._s3().get_object(**request)
        except errors.ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise self.error(exc, key, reading=True) from None
        except errors.BotoCoreError as exc:
            raise self.error(exc, key, reading=True) from None
        size = int(reply.get("ContentLength", 0))
        return ObjectReader(self, key, size, dict(reply.get("Metadata") or {}), reply["Body"])

    def upload_file(self, path: Path, key: str, metadata: dict[str, str], content_type: str) -> None:
        """Upload a file: one PUT below MULTIPART_THRESHOLD, a multipart upload in MULTIPART_CHUNK parts above."""
        from boto3.exceptions import S3UploadFailedError
        from boto3.s3.transfer import TransferConfig

        errors = _errors()
        transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_CHUNK,
            max_concurrency=MULTIPART_CONCURRENCY,
            preferred_transfer_client="classic",
        )
        try:
            self._s3().upload_file(
                str(path),
                self.target.bucket,
                key,
                ExtraArgs={"Metadata": metadata, "ContentType": content_type},
                Config=transfer,
            )
        except (errors.ClientError, errors.BotoCoreError, S3UploadFailedError) as exc:
            raise self.error(exc, key) from None

    def put_bytes(self, key: str, data: bytes, metadata: dict[str, str], content_type: str) -> None:
        errors = _errors()
        try:
            self._s3().put_object(
                Bucket=self.target.bucket, Key=key, Body=data, Metadata=metadata, ContentType=content_type
            )
        except (errors.ClientError, errors.BotoCoreError) as exc:
            raise self.error(exc, key) from None

    def error(self, exc: BaseException, key: str, *, reading: bool = False) -> S3Error:
        """Turn a boto3 failure into a message that says what is wrong and how to fix it (`reading`: the call was
        a GET, which needs only s3:GetObject)."""
        t, errors = self.target, _errors()
        client_error = _client_error(exc)
        if client_error is not None:
            code = _code(client_error)
            text = client_error.response.get("Error", {}).get("Message") or ""
            if code == "InvalidAccessKeyId":
                return S3Error(
                    f"InvalidAccessKeyId: the access key {t.access_key_id or '(default chain)'} is not valid for "
                    f"endpoint {t.where}; fix it with {FIX_CREDENTIALS}",
                    code=code,
                )
            if code == "SignatureDoesNotMatch":
                return S3Error(
                    f"SignatureDoesNotMatch: the secret access key does not belong to access key "
                    f"{t.access_key_id or '(default chain)'} at endpoint {t.where}; fix it with {FIX_CREDENTIALS}",
                    code=code,
                )
            if code == "NoSuchBucket":
                return S3Error(
                    f"NoSuchBucket: the bucket {t.bucket!r} does not exist at {t.where}; create it, or choose "
                    f"another with tether settings delivery --bucket NAME",
                    code=code,
                )
            if code in ("AccessDenied", "AllAccessDisabled", "403"):
                return S3Error(
                    f"AccessDenied: access key {t.access_key_id or '(default chain)'} may not "
                    f"{'read' if reading else 'write'} s3://{t.bucket}/{key} at {t.where}; grant it "
                    f"{'s3:GetObject' if reading else 's3:PutObject and s3:GetObject'} on the bucket",
                    code="AccessDenied",
                )
            if code == "PermanentRedirect" or code == "AuthorizationHeaderMalformed":
                return S3Error(
                    f"{code}: the bucket {t.bucket!r} is not in region {t.region!r} ({text}); fix it with "
                    f"tether settings delivery --region REGION",
                    code=code,
                )
            return S3Error(f"{code}: {text or 'the request failed'} (s3://{t.bucket}/{key} at {t.where})", code=code)
        if isinstance(exc, errors.NoCredentialsError | errors.PartialCredentialsError):
            return S3Error(
                f"NoCredentials: no S3 credentials are set; set them with {FIX_CREDENTIALS}", code="NoCredentials"
            )
        if isinstance(exc, errors.ConnectionError | errors.HTTPClientError):
            return S3Error(f"could not connect to {t.where}: {exc}", code="ConnectionFailed")
        return S3Error(f"{type(exc).__name__}: {exc} (s3://{t.bucket}/{key} at {t.where})", code=type(exc).__name__)


def _client_error(exc: BaseException) -> ClientError | None:
    """The ClientError behind `exc` (boto3's upload wraps it in S3UploadFailedError)."""
    client_error = _errors().ClientError
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, client_error):
            return cast("ClientError", seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _code(exc: ClientError) -> str:
    return str(
        exc.response.get("Error", {}).get("Code")
        or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "Unknown")
    )
