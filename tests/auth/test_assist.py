"""The Cloud Assistant agent's request signature: the exact construction the agent uses, and every malformed,
forged or stale header set refused."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from tether.auth.assist import (
    TIMESTAMP_WINDOW,
    check_timestamp,
    parse_headers,
    parse_public_key,
    public_key_text,
    sign_headers,
    verify,
)
from tether.auth.signing import AuthError

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = parse_public_key(public_key_text(KEY))
INSTANCE = "mi-0123456789abcdef0"
MACHINE = "4c4c4544-0042-3510-8057-b4c04f4e3532"


def test_signature_is_pkcs1v15_md5_over_the_md5_digest_like_the_agent() -> None:
    """The agent hashes the text with MD5 and signs that digest as an MD5 DigestInfo (Go: SignPKCS1v15(MD5))."""
    stamp, rid = 1764758400123, "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    digest = hashlib.md5(f"{INSTANCE}{MACHINE}{stamp}{rid}".encode()).digest()
    signature = KEY.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.MD5()))
    headers = {
        "x-acs-instance-id": INSTANCE,
        "x-acs-timestamp": str(stamp),
        "x-acs-request-id": rid,
        "x-acs-signature": base64.b64encode(signature).decode(),
    }
    assert verify(parse_headers(headers), PEM, MACHINE)
    assert (
        headers["x-acs-signature"]
        == sign_headers(KEY, INSTANCE, MACHINE, timestamp_ms=stamp, request_id=rid)["x-acs-signature"]
    )  # PKCS#1 v1.5 is deterministic: the same bytes as the agent would send


def test_a_signature_binds_instance_machine_time_and_request_id() -> None:
    headers = sign_headers(KEY, INSTANCE, MACHINE)
    request = parse_headers(headers)
    assert verify(request, PEM, MACHINE)
    assert not verify(request, PEM, "another-machine")
    for name, value in (
        ("x-acs-instance-id", "mi-0123456789abcdef1"),
        ("x-acs-timestamp", str(int(headers["x-acs-timestamp"]) + 1)),
        ("x-acs-request-id", str(uuid.uuid4())),
    ):
        assert not verify(parse_headers({**headers, name: value}), PEM, MACHINE), name
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not verify(parse_headers(sign_headers(other, INSTANCE, MACHINE)), PEM, MACHINE)
    assert not verify(request, "not a pem", MACHINE)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"x-acs-signature": ""}, "MissingSignature"),
        ({"x-acs-instance-id": "i-123"}, "InvalidInstanceId.Malformed"),
        ({"x-acs-timestamp": "12.5"}, "InvalidTimestamp.Format"),
        ({"x-acs-timestamp": "9" * 17}, "InvalidTimestamp.Format"),
        ({"x-acs-request-id": "not-a-uuid"}, "InvalidRequestId"),
        ({"x-acs-request-id": "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}"}, "InvalidRequestId"),
        ({"x-acs-signature": "%%%"}, "InvalidSignature"),
        ({"x-acs-signature": "A" * 4000}, "InvalidSignature"),
    ],
)
def test_malformed_headers_are_refused(change: dict[str, str], code: str) -> None:
    with pytest.raises(AuthError) as info:
        parse_headers({**sign_headers(KEY, INSTANCE, MACHINE), **change})
    assert (info.value.code, info.value.status) == (code, 401)


def test_timestamp_window() -> None:
    now = time.time()
    inside = parse_headers(sign_headers(KEY, INSTANCE, MACHINE, timestamp_ms=int((now - TIMESTAMP_WINDOW + 5) * 1000)))
    check_timestamp(inside, now=now)
    for offset in (-TIMESTAMP_WINDOW - 5, TIMESTAMP_WINDOW + 5):
        stale = parse_headers(sign_headers(KEY, INSTANCE, MACHINE, timestamp_ms=int((now + offset) * 1000)))
        with pytest.raises(AuthError) as info:
            check_timestamp(stale, now=now)
        assert info.value.code == "InvalidTimestamp.Expired"


def test_public_keys_must_be_rsa_of_a_sane_size() -> None:
    assert parse_public_key(public_key_text(KEY)).startswith("-----BEGIN PUBLIC KEY-----")
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ecdsa = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    for text, problem in (
        ("", "1.."),
        ("not base64!", "base64"),
        (base64.b64encode(b"hello").decode(), "PEM"),
        (base64.b64encode(ecdsa).decode(), "RSA"),
        (public_key_text(small), "bits"),
    ):
        with pytest.raises(ValueError, match=problem):
            parse_public_key(text)
