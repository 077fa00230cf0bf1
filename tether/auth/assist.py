"""The Cloud Assistant agent's request signature (its "hybrid" mode headers), checked without I/O.

After registering, the agent (`aliyun-service`) adds four headers to every HTTP request and WebSocket handshake:
`x-acs-instance-id`, `x-acs-timestamp` (milliseconds), `x-acs-request-id` (a UUID) and `x-acs-signature`, which
is base64 of an RSA PKCS#1 v1.5 signature, with MD5 as the digest, of the MD5 of
`instance_id + machine_id + timestamp + request_id` (the agent signs the digest as an MD5 DigestInfo, which is the
same as signing the string itself with MD5). The key is the RSA-2048 pair it generated at registration; the server
holds the public half it sent then, and the machine id it reported.

The signature covers neither the method, the path nor the body: a valid header set authorises *any* request of that
instance. What keeps that bounded is enforced by the caller (tether/server/assist/signed.py): TLS only, a request id
used once per instance (the shared nonce table), a timestamp within TIMESTAMP_WINDOW of the server's clock, and an
instance only ever reaching its own channels. docs/threat-model.md says what remains.

This module parses and verifies; it never touches the store.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tether.auth.signing import AuthError

# Five minutes either way: wide enough for the clock drift of ordinary NTP-synced machines, narrow enough that the
# nonce table only has to remember request ids for ten minutes (a request id older than the window is refused by its
# timestamp alone, so forgetting it then cannot let a replay through).
TIMESTAMP_WINDOW = 300.0
MIN_KEY_BITS = 2048
MAX_KEY_BITS = 8192
MAX_PUBLIC_KEY_TEXT = 4096  # base64 of a PEM RSA-8192 public key is under 2 KiB
MAX_SIGNATURE_TEXT = 2048
INSTANCE_ID_PATTERN = re.compile(r"^mi-[0-9a-f]{17}$")
HEADERS = ("x-acs-instance-id", "x-acs-timestamp", "x-acs-request-id", "x-acs-signature")


@dataclass(frozen=True, slots=True)
class AssistRequest:
    """The signature headers of one request, parsed and bounded (not yet verified)."""

    instance_id: str
    timestamp_ms: int
    request_id: str
    signature: bytes

    def signed_text(self, machine_id: str) -> bytes:
        return f"{self.instance_id}{machine_id}{self.timestamp_ms}{self.request_id}".encode()


def parse_public_key(text: str) -> str:
    """The registration's `publicKey` (base64 of a PEM "PUBLIC KEY") as the PEM text to store; ValueError names the
    problem (not base64, not a PEM public key, not RSA, too small or too large)."""
    if not 0 < len(text) <= MAX_PUBLIC_KEY_TEXT:
        raise ValueError(f"publicKey must be 1..{MAX_PUBLIC_KEY_TEXT} characters")
    try:
        pem = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("publicKey must be base64 of a PEM public key") from None
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise ValueError("publicKey is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("publicKey must be an RSA key")
    if not MIN_KEY_BITS <= key.key_size <= MAX_KEY_BITS:
        raise ValueError(f"publicKey must have {MIN_KEY_BITS}..{MAX_KEY_BITS} bits, not {key.key_size}")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def parse_headers(headers: Mapping[str, str]) -> AssistRequest:
    """The four signature headers; AuthError (401) if one is missing or malformed."""
    values = {name: headers.get(name, "").strip() for name in HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise AuthError("MissingSignature", f"the request lacks {', '.join(missing)}")
    instance_id = values["x-acs-instance-id"]
    if not INSTANCE_ID_PATTERN.fullmatch(instance_id):
        raise AuthError("InvalidInstanceId.Malformed", "x-acs-instance-id is not an instance id")
    stamp = values["x-acs-timestamp"]
    if not stamp.isdigit() or len(stamp) > 16:
        raise AuthError("InvalidTimestamp.Format", "x-acs-timestamp must be milliseconds since the epoch")
    request_id = values["x-acs-request-id"]
    try:
        canonical = str(uuid.UUID(request_id))
    except ValueError:
        raise AuthError("InvalidRequestId", "x-acs-request-id must be a UUID") from None
    if canonical != request_id.lower():
        raise AuthError("InvalidRequestId", "x-acs-request-id must be a UUID in its usual 36-character form")
    text = values["x-acs-signature"]
    if len(text) > MAX_SIGNATURE_TEXT:
        raise AuthError("InvalidSignature", "x-acs-signature is too long")
    try:
        signature = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AuthError("InvalidSignature", "x-acs-signature is not base64") from None
    return AssistRequest(instance_id, int(stamp), request_id, signature)


def check_timestamp(request: AssistRequest, *, now: float | None = None, window: float = TIMESTAMP_WINDOW) -> None:
    """AuthError (401) if the request's timestamp is more than `window` seconds from the server's clock."""
    skew = abs((now if now is not None else time.time()) - request.timestamp_ms / 1000.0)
    if skew > window:
        raise AuthError(
            "InvalidTimestamp.Expired",
            f"x-acs-timestamp is {skew:.0f} s from the server's clock (at most {window:.0f} s); check the clock",
        )


def verify(request: AssistRequest, public_key_pem: str, machine_id: str) -> bool:
    """Whether the signature matches the instance's registered key and machine id (RSA verification compares the
    whole padded block itself; no secret is compared here)."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(request.signature, request.signed_text(machine_id), padding.PKCS1v15(), hashes.MD5())  # noqa: S303 (the agent's fixed scheme)
    except InvalidSignature:
        return False
    return True


def sign_headers(
    key: rsa.RSAPrivateKey,
    instance_id: str,
    machine_id: str,
    *,
    timestamp_ms: int | None = None,
    request_id: str | None = None,
) -> dict[str, str]:
    """The headers the agent adds to a request (what tests and the test agent send)."""
    stamp = timestamp_ms if timestamp_ms is not None else time.time_ns() // 1_000_000
    rid = request_id or str(uuid.uuid4())
    text = f"{instance_id}{machine_id}{stamp}{rid}".encode()
    signature = key.sign(text, padding.PKCS1v15(), hashes.MD5())  # noqa: S303 (the agent's fixed scheme)
    return {
        "x-acs-instance-id": instance_id,
        "x-acs-timestamp": str(stamp),
        "x-acs-request-id": rid,
        "x-acs-signature": base64.b64encode(signature).decode(),
    }


def public_key_text(key: rsa.RSAPrivateKey) -> str:
    """What the agent sends as `publicKey` at registration: base64 of the PEM "PUBLIC KEY"."""
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(pem).decode()
