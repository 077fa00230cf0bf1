"""Access-key request signatures (HMAC-SHA256), shared by the CLI that signs and the server that verifies.

Why a signature instead of sending the secret: the secret never crosses the wire, a captured request cannot be
altered (the body hash is signed) and cannot be replayed (the nonce is remembered, the date bounds how long).
The format is documented in docs/api.md; keep the two in step.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

ALGORITHM = "TETHER-HMAC-SHA256"
HEADER_DATE = "X-Tether-Date"
HEADER_NONCE = "X-Tether-Nonce"
HEADER_CONTENT_SHA256 = "X-Tether-Content-SHA256"
HEADER_SECURITY_TOKEN = "X-Tether-Security-Token"  # noqa: S105 - a header name
MAX_SKEW_SECONDS = 900
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_AUTH_RE = re.compile(rf"^{ALGORITHM} Credential=([A-Za-z0-9._-]{{1,128}}), Signature=([0-9a-f]{{64}})$")
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class AuthError(Exception):
    """A request failed authentication; `code` and `status` are what the API answers."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class Signed(Protocol):
    """What authentication needs of a signed request, whatever its signature dialect (tether's own header, or the
    ECS OpenAPI's RPC and V3 signatures in tether.auth.acs): who claims to sign, when, with which nonce, and how to
    compute the signature a given secret would give. The nonce store and the skew check treat every dialect alike.
    """

    @property
    def key_id(self) -> str: ...
    @property
    def date(self) -> datetime: ...
    @property
    def nonce(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def security_token(self) -> str | None: ...
    @property
    def token_field(self) -> str:
        """Where this dialect carries the security token (for messages that tell the caller what to send)."""
        ...

    def expected_signature(self, secret: str) -> str:
        """The signature `secret` gives this request, in the form the request carries it."""
        ...


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The parsed authentication parts of a request, before the secret is known."""

    key_id: str
    date: datetime
    nonce: str
    signature: str
    body_sha256: str
    security_token: str | None
    string_to_sign: str

    def __repr__(self) -> str:  # the security token is a secret
        return f"SignedRequest(key_id={self.key_id!r}, date={self.date.isoformat()}, nonce={self.nonce!r})"

    @property
    def token_field(self) -> str:
        return HEADER_SECURITY_TOKEN

    def expected_signature(self, secret: str) -> str:
        return _hmac(secret, self.string_to_sign)


def format_date(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, seconds precision: the only date format the API uses."""
    return moment.astimezone(UTC).strftime(_DATE_FORMAT)


def string_to_sign(method: str, path: str, date: str, nonce: str, body_sha256: str) -> str:
    """The exact text that is HMAC'd; see docs/api.md."""
    return "\n".join((ALGORITHM, method.upper(), path, date, nonce, body_sha256))


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_request(
    method: str,
    path: str,
    body: bytes,
    key_id: str,
    secret: str,
    *,
    security_token: str | None = None,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the headers that authenticate this request."""
    date = format_date(now or datetime.now(UTC))
    nonce = nonce or secrets.token_urlsafe(18)
    body_sha256 = hashlib.sha256(body).hexdigest()
    signature = _hmac(secret, string_to_sign(method, path, date, nonce, body_sha256))
    headers = {
        HEADER_DATE: date,
        HEADER_NONCE: nonce,
        HEADER_CONTENT_SHA256: body_sha256,
        "Authorization": f"{ALGORITHM} Credential={key_id}, Signature={signature}",
    }
    if security_token:
        headers[HEADER_SECURITY_TOKEN] = security_token
    return headers


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if key.lower() == lowered:
                return val
    return value


def parse_request(method: str, path: str, headers: Mapping[str, str], body: bytes) -> SignedRequest:
    """Check the request's authentication headers for form and body integrity; does not need the secret."""
    auth = _header(headers, "Authorization")
    if not auth:
        raise AuthError(
            "MissingAuthorization", "The request is not signed: sign it with an access key (see docs/api.md)."
        )
    match = _AUTH_RE.match(auth.strip())
    if not match:
        raise AuthError(
            "InvalidAuthorization",
            f"The Authorization header is malformed; expected '{ALGORITHM} Credential=<AccessKeyId>, "
            "Signature=<hex>'.",
        )
    key_id, signature = match.groups()
    date_text = _header(headers, HEADER_DATE)
    nonce = _header(headers, HEADER_NONCE)
    body_sha256 = _header(headers, HEADER_CONTENT_SHA256)
    if not date_text or not nonce or not body_sha256:
        missing = [n for n, v in ((HEADER_DATE, date_text), (HEADER_NONCE, nonce), (HEADER_CONTENT_SHA256, body_sha256))
                   if not v]
        raise AuthError("InvalidAuthorization", f"The signed request lacks the header(s): {', '.join(missing)}.")
    try:
        date = datetime.strptime(date_text, _DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise AuthError(
            "InvalidTimeStamp.Format", f"{HEADER_DATE} must look like 2026-01-31T12:00:00Z.", 400
        ) from None
    if not NONCE_RE.match(nonce):
        raise AuthError("InvalidAuthorization", f"{HEADER_NONCE} must be 16-64 characters of [A-Za-z0-9_-].")
    actual = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(actual, body_sha256.lower()):
        raise AuthError(
            "ContentSHA256Mismatch", "The body does not match its signed SHA-256: it was altered or truncated.", 400
        )
    return SignedRequest(
        key_id=key_id,
        date=date,
        nonce=nonce,
        signature=signature,
        body_sha256=actual,
        security_token=_header(headers, HEADER_SECURITY_TOKEN),
        string_to_sign=string_to_sign(method, path, date_text, nonce, actual),
    )


def verify_request(
    req: Signed, secret: str, *, now: datetime | None = None, max_skew: int = MAX_SKEW_SECONDS
) -> None:
    """Raise `AuthError` unless the signature matches `secret` and the date is within the allowed skew.

    The same check for every signature dialect: the skew first (it needs no secret), then a constant-time compare.
    """
    now = now or datetime.now(UTC)
    if abs(now - req.date) > timedelta(seconds=max_skew):
        raise AuthError(
            "InvalidTimeStamp.Expired",
            f"The request date {format_date(req.date)} is more than {max_skew // 60} minutes from the server's "
            f"clock ({format_date(now)}): fix the client's clock.",
        )
    expected = req.expected_signature(secret)
    if not hmac.compare_digest(expected.encode("utf-8"), req.signature.encode("utf-8", "replace")):
        raise AuthError(
            "SignatureDoesNotMatch",
            "The request signature does not match: check the access key secret.",
        )
