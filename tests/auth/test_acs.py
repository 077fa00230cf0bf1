"""The ECS OpenAPI signature verifiers against the SDKs' own signers (the oracle): whatever the SDKs sign, tether
accepts with the right secret and refuses with any other, and a changed parameter or header breaks the signature."""

from __future__ import annotations

import hashlib
import warnings
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tether.auth.acs import is_v3, parse_rpc, parse_v3, percent_encode
from tether.auth.signing import AuthError, format_date, verify_request

with warnings.catch_warnings():
    # aliyunsdkcore imports its vendored urllib3/six, which use APIs Python deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url
from alibabacloud_tea_openapi.utils import Utils as TeaUtils

KEY_ID = st.from_regex(r"\A(STS\.)?[A-Za-z0-9]{8,30}\Z")
SECRET = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)
NAME = st.from_regex(r"\A[A-Z][A-Za-z0-9]{0,20}(\.[1-9])?\Z")
VALUE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
PARAMS = st.dictionaries(NAME, VALUE, max_size=8).map(
    lambda d: {k: v for k, v in d.items() if not k.startswith(("Signature", "Timestamp", "AccessKeyId", "Format"))}
)
NONCE = st.from_regex(r"\A[A-Za-z0-9_-]{16,64}\Z")
HEADER_VALUE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
METHOD = st.sampled_from(["GET", "POST"])


def code_of(fn: object) -> str:
    with pytest.raises(AuthError) as err:
        fn()  # type: ignore[operator]
    return err.value.code


# -- RPC ----------------------------------------------------------------------------------------------------------


def _old_sdk_rpc(params: dict[str, str], body: dict[str, str], key_id: str, secret: str, method: str) -> dict[str, str]:
    """What the old SDK sends: its signed query, plus the form body (both signed)."""
    url, _ = get_signed_url(dict(params), key_id, secret, "JSON", method, dict(body))
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    return {**query, **body}


@settings(max_examples=150, deadline=None)
@given(params=PARAMS, body=PARAMS, key_id=KEY_ID, secret=SECRET, method=METHOD)
def test_rpc_accepts_what_the_old_sdk_signs(
    params: dict[str, str], body: dict[str, str], key_id: str, secret: str, method: str
) -> None:
    body = {k: v for k, v in body.items() if k not in params}
    sent = _old_sdk_rpc(params, body, key_id, secret, method)
    signed = parse_rpc(method, sent)
    assert signed.key_id == key_id and signed.nonce == sent["SignatureNonce"]
    verify_request(signed, secret)
    assert code_of(lambda: verify_request(signed, secret + "x")) == "SignatureDoesNotMatch"
    other = "POST" if method == "GET" else "GET"
    assert code_of(lambda: verify_request(parse_rpc(other, sent), secret)) == "SignatureDoesNotMatch"


@settings(max_examples=100, deadline=None)
@given(params=PARAMS, key_id=KEY_ID, secret=SECRET, nonce=NONCE, method=METHOD, extra=VALUE)
def test_rpc_accepts_what_the_new_sdk_signs_and_a_changed_parameter_breaks_it(
    params: dict[str, str], key_id: str, secret: str, nonce: str, method: str, extra: str
) -> None:
    sent = {
        **params, "Action": "StartTerminalSession", "Version": "2014-05-26", "Format": "json",
        "AccessKeyId": key_id, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": nonce,
        "Timestamp": format_date(datetime.now(UTC)),
    }
    sent["Signature"] = TeaUtils.get_rpcsignature(dict(sent), method, secret)
    verify_request(parse_rpc(method, sent), secret)
    changed = {**sent, "InstanceId.1": "mi-" + extra}
    assert code_of(lambda: verify_request(parse_rpc(method, changed), secret)) == "SignatureDoesNotMatch"


def _rpc(**overrides: str) -> dict[str, str]:
    base = _old_sdk_rpc({"Action": "X", "Version": "2014-05-26"}, {}, "AKID0000", "s3cret", "POST")
    base.update(overrides)
    return base


def test_rpc_refusals_name_the_problem() -> None:
    unsigned = {k: v for k, v in _rpc().items() if k != "Signature"}
    assert code_of(lambda: parse_rpc("POST", unsigned)) == "MissingAuthorization"
    no_nonce = {k: v for k, v in _rpc().items() if k != "SignatureNonce"}
    with pytest.raises(AuthError, match="SignatureNonce") as err:
        parse_rpc("POST", no_nonce)
    assert err.value.code == "InvalidAuthorization"
    assert code_of(lambda: parse_rpc("POST", _rpc(SignatureMethod="HMAC-SHA256"))) == "InvalidSignatureMethod"
    assert code_of(lambda: parse_rpc("POST", _rpc(Timestamp="yesterday"))) == "InvalidTimeStamp.Format"
    assert code_of(lambda: parse_rpc("POST", _rpc(SignatureNonce="short"))) == "InvalidAuthorization"
    skewed = format_date(datetime.now(UTC) - timedelta(minutes=16))
    stale = parse_rpc("POST", _rpc(Timestamp=skewed))
    assert code_of(lambda: verify_request(stale, "s3cret")) == "InvalidTimeStamp.Expired"
    assert parse_rpc("POST", _rpc(SecurityToken="tok")).security_token == "tok"
    assert "tok" not in repr(parse_rpc("POST", _rpc(SecurityToken="tok")))


def test_percent_encoding_is_rfc3986() -> None:
    assert percent_encode("a b*c~d/e+") == "a%20b%2Ac~d%2Fe%2B"
    assert percent_encode("é") == "%C3%A9"


# -- V3 -----------------------------------------------------------------------------------------------------------


def _v3_headers(key_id: str, nonce: str, body: bytes, extra: dict[str, str], token: str | None) -> dict[str, str]:
    headers = {
        "host": "127.0.0.1:18443",
        "x-acs-action": "StartTerminalSession",
        "x-acs-version": "2014-05-26",
        "x-acs-date": format_date(datetime.now(UTC)),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        **extra,
    }
    if token is not None:
        headers["x-acs-accesskey-id"] = key_id
        headers["x-acs-security-token"] = token
    return headers


def _sdk_sign(method: str, query: dict[str, str], headers: dict[str, str], key_id: str, secret: str) -> str:
    request = SimpleNamespace(method=method, pathname="/", query=query, headers=headers)
    payload = headers["x-acs-content-sha256"]
    return TeaUtils.get_authorization(request, "ACS3-HMAC-SHA256", payload, key_id, secret)  # type: ignore[no-any-return]


EXTRA_HEADERS = st.dictionaries(st.sampled_from(["accept", "user-agent", "x-acs-caller-sdk-source", "content-type"]),
                                HEADER_VALUE, max_size=4)


@settings(max_examples=150, deadline=None)
@given(query=PARAMS, key_id=KEY_ID, secret=SECRET, nonce=NONCE, method=METHOD, extra=EXTRA_HEADERS,
       body=st.binary(max_size=64), token=st.none() | HEADER_VALUE)
def test_v3_accepts_what_the_new_sdk_signs(
    query: dict[str, str], key_id: str, secret: str, nonce: str, method: str, extra: dict[str, str], body: bytes,
    token: str | None,
) -> None:
    headers = _v3_headers(key_id, nonce, body, extra, token)
    headers["Authorization"] = _sdk_sign(method, query, headers, key_id, secret)
    assert is_v3(headers.items())
    signed = parse_v3(method, "/", query, headers.items(), body)
    assert (signed.key_id, signed.nonce, signed.security_token) == (key_id, nonce, token)
    verify_request(signed, secret)
    assert code_of(lambda: verify_request(signed, secret + "x")) == "SignatureDoesNotMatch"
    changed = {**query, "PortNumber": "22" if query.get("PortNumber") != "22" else "23"}
    assert code_of(lambda: verify_request(parse_v3(method, "/", changed, headers.items(), body), secret)) == \
        "SignatureDoesNotMatch"
    action = {**headers, "x-acs-action": "EndTerminalSession"}
    assert code_of(lambda: verify_request(parse_v3(method, "/", query, action.items(), body), secret)) == \
        "SignatureDoesNotMatch"


def _v3(extra: dict[str, str] | None = None, body: bytes = b"") -> dict[str, str]:
    headers = _v3_headers("AKID0000", "n" * 20, body, extra or {}, None)
    headers["Authorization"] = _sdk_sign("POST", {}, headers, "AKID0000", "s3cret")
    return headers


def test_v3_refusals_name_the_problem() -> None:
    headers = _v3()
    assert code_of(lambda: parse_v3("POST", "/", {}, headers.items(), b"x")) == "ContentSHA256Mismatch"
    # an x-acs header added after signing: it could change the request, so it must be signed
    added = {**headers, "x-acs-security-token": "tok"}
    with pytest.raises(AuthError, match="x-acs-security-token"):
        parse_v3("POST", "/", {}, added.items(), b"")
    # SignedHeaders that leave out the nonce
    auth = headers["Authorization"].replace("x-acs-signature-nonce;", "")
    with pytest.raises(AuthError, match="x-acs-signature-nonce"):
        parse_v3("POST", "/", {}, {**headers, "Authorization": auth}.items(), b"")
    bad = {**headers, "Authorization": "ACS3-HMAC-SHA256 Credential=AKID0000, Signature=00"}
    assert code_of(lambda: parse_v3("POST", "/", {}, bad.items(), b"")) == "InvalidAuthorization"
    sm3 = {**headers, "Authorization": headers["Authorization"].replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3")}
    assert code_of(lambda: parse_v3("POST", "/", {}, sm3.items(), b"")) == "InvalidSignatureMethod"
    skewed = _v3({"x-acs-date": format_date(datetime.now(UTC) + timedelta(minutes=16))})
    stale = parse_v3("POST", "/", {}, skewed.items(), b"")
    assert code_of(lambda: verify_request(stale, "s3cret")) == "InvalidTimeStamp.Expired"
