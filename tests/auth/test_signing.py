"""Request signatures: a good request verifies; every kind of tampering is refused with its own code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tether.auth.signing import AuthError, parse_request, sign_request, verify_request

PATH = "/api/v1/DescribeInstances"
BODY = b'{"PageSize": 10}'


def signed(**kw: object) -> dict[str, str]:
    return sign_request("POST", PATH, BODY, "AKID123", "s3cret", **kw)  # type: ignore[arg-type]


def test_good_request_verifies() -> None:
    req = parse_request("POST", PATH, signed(), BODY)
    verify_request(req, "s3cret")
    assert req.key_id == "AKID123"


def test_headers_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in signed().items()}
    verify_request(parse_request("POST", PATH, headers, BODY), "s3cret")


def code_of(fn: object) -> str:
    with pytest.raises(AuthError) as info:
        fn()  # type: ignore[operator]
    return info.value.code


def test_wrong_secret() -> None:
    req = parse_request("POST", PATH, signed(), BODY)
    assert code_of(lambda: verify_request(req, "other")) == "SignatureDoesNotMatch"


def test_tampered_body() -> None:
    assert code_of(lambda: parse_request("POST", PATH, signed(), BODY + b" ")) == "ContentSHA256Mismatch"


def test_body_and_hash_both_replaced() -> None:
    import hashlib

    headers = signed()
    other = b'{"PageSize": 99}'
    headers["X-Tether-Content-SHA256"] = hashlib.sha256(other).hexdigest()
    req = parse_request("POST", PATH, headers, other)
    assert code_of(lambda: verify_request(req, "s3cret")) == "SignatureDoesNotMatch"


def test_other_path_does_not_verify() -> None:
    req = parse_request("POST", "/api/v1/EndTerminalSession", signed(), BODY)
    assert code_of(lambda: verify_request(req, "s3cret")) == "SignatureDoesNotMatch"


@pytest.mark.parametrize("minutes", [16, -16])
def test_clock_skew_beyond_15_minutes(minutes: int) -> None:
    headers = signed(now=datetime.now(UTC) + timedelta(minutes=minutes))
    req = parse_request("POST", PATH, headers, BODY)
    assert code_of(lambda: verify_request(req, "s3cret")) == "InvalidTimeStamp.Expired"


def test_skew_within_limit_is_fine() -> None:
    verify_request(parse_request("POST", PATH, signed(now=datetime.now(UTC) - timedelta(minutes=14)), BODY), "s3cret")


def test_missing_and_malformed_headers() -> None:
    assert code_of(lambda: parse_request("POST", PATH, {}, BODY)) == "MissingAuthorization"
    h = signed()
    h["Authorization"] = "Bearer x"
    assert code_of(lambda: parse_request("POST", PATH, h, BODY)) == "InvalidAuthorization"
    h = signed()
    del h["X-Tether-Nonce"]
    assert code_of(lambda: parse_request("POST", PATH, h, BODY)) == "InvalidAuthorization"
    h = signed()
    h["X-Tether-Date"] = "yesterday"
    assert code_of(lambda: parse_request("POST", PATH, h, BODY)) == "InvalidTimeStamp.Format"
    h = signed(nonce="short")
    assert code_of(lambda: parse_request("POST", PATH, h, BODY)) == "InvalidAuthorization"


def test_security_token_travels_and_is_not_in_repr() -> None:
    req = parse_request("POST", PATH, signed(security_token="tok-secret"), BODY)
    assert req.security_token == "tok-secret"
    assert "tok-secret" not in repr(req)
