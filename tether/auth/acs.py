"""The ECS OpenAPI's two request signatures, verified: RPC (HMAC-SHA1 over the canonical query) and V3
(`ACS3-HMAC-SHA256` in the Authorization header).

Why tether verifies them: Alibaba Cloud's SDKs and CLI sign requests this way and cannot be taught tether's own
header, so a server they can use unchanged must check their signatures. Both parsers here are pure functions that
need no secret and return a `Signed` (tether.auth.signing), so the nonce store, the skew check, STS tokens and the
constant-time compare are exactly those of tether's own signature: one `authenticate` path for every dialect.

What is covered: RPC signs every parameter (query and form body) but `Signature`. V3 signs the method, path, query,
the headers it lists in `SignedHeaders` and the body's SHA-256; the date, the nonce, the host, the body hash and any
`x-acs-*` header that is present (the action, version, key id, security token) must be among the signed headers,
or the request is refused, so none of them can be changed on the way. The exact texts are in docs/alibaba.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

from tether.auth.signing import NONCE_RE, AuthError

RPC_SIGNATURE_METHOD = "HMAC-SHA1"
RPC_SIGNATURE_VERSION = "1.0"
V3_ALGORITHM = "ACS3-HMAC-SHA256"
RPC_TOKEN_FIELD = "SecurityToken"  # noqa: S105 - a parameter name
V3_TOKEN_FIELD = "x-acs-security-token"  # noqa: S105 - a header name
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_V3_AUTH_RE = re.compile(
    rf"^{V3_ALGORITHM} Credential=([A-Za-z0-9._-]{{1,128}}),SignedHeaders=([a-z0-9;._-]{{1,2048}}),"
    r"Signature=([0-9a-f]{64})$"
)
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
V3_REQUIRED_HEADERS = ("host", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce")
MAX_SIGNED_HEADERS = 32


def percent_encode(text: str) -> str:
    """RFC 3986 encoding as both signatures use it: only `A-Za-z0-9-_.~` stay, space is `%20`, `*` is `%2A`."""
    return quote(text, safe="~", encoding="utf-8")


def _parse_date(value: str, name: str) -> datetime:
    try:
        return datetime.strptime(value, _DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise AuthError("InvalidTimeStamp.Format", f"{name} must look like 2026-01-31T12:00:00Z (UTC).", 400) from None


def _nonce(value: str, name: str) -> str:
    if not NONCE_RE.match(value):
        raise AuthError("InvalidAuthorization", f"{name} must be 16-64 characters of [A-Za-z0-9_-].")
    return value


# -- RPC ----------------------------------------------------------------------------------------------------------


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """`METHOD&%2F&enc(k1=v1&k2=v2...)` over every parameter but Signature, sorted by name."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    """base64(HMAC-SHA1(secret + "&", string to sign))."""
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class AcsSignedRequest:
    """An RPC- or V3-signed request's authentication parts (satisfies tether.auth.signing.Signed): the two schemes
    differ only in where the security token travels and how the string to sign is signed."""

    scheme: Literal["RPC", "V3"]
    key_id: str
    date: datetime
    nonce: str
    signature: str
    security_token: str | None
    string_to_sign: str

    def __repr__(self) -> str:  # the security token is a secret
        return (
            f"AcsSignedRequest(scheme={self.scheme}, key_id={self.key_id!r}, date={self.date.isoformat()}, "
            f"nonce={self.nonce!r})"
        )

    @property
    def token_field(self) -> str:
        return RPC_TOKEN_FIELD if self.scheme == "RPC" else V3_TOKEN_FIELD

    def expected_signature(self, secret: str) -> str:
        sign = rpc_signature if self.scheme == "RPC" else v3_signature
        return sign(secret, self.string_to_sign)


def parse_rpc(method: str, params: Mapping[str, str]) -> AcsSignedRequest:
    """The RPC signature's parts from the request's parameters (query and form body merged); no secret needed."""
    if "Signature" not in params:
        raise AuthError(
            "MissingAuthorization", "The request is not signed: sign it with an access key (see docs/alibaba.md)."
        )
    missing = [n for n in ("AccessKeyId", "SignatureNonce", "Timestamp") if not params.get(n)]
    if missing:
        raise AuthError("InvalidAuthorization", f"The signed request lacks the parameter(s): {', '.join(missing)}.")
    if params.get("SignatureMethod") != RPC_SIGNATURE_METHOD or params.get("SignatureVersion") != RPC_SIGNATURE_VERSION:
        raise AuthError(
            "InvalidSignatureMethod",
            f"Only SignatureMethod={RPC_SIGNATURE_METHOD} with SignatureVersion={RPC_SIGNATURE_VERSION} is supported.",
            400,
        )
    key_id = params["AccessKeyId"]
    if not _KEY_ID_RE.match(key_id):
        raise AuthError("InvalidAuthorization", "AccessKeyId must be 1-128 characters of [A-Za-z0-9._-].")
    return AcsSignedRequest(
        scheme="RPC",
        key_id=key_id,
        date=_parse_date(params["Timestamp"], "Timestamp"),
        nonce=_nonce(params["SignatureNonce"], "SignatureNonce"),
        signature=params["Signature"],
        security_token=params.get(RPC_TOKEN_FIELD) or None,
        string_to_sign=rpc_string_to_sign(method, params),
    )


# -- V3 -----------------------------------------------------------------------------------------------------------


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    payload_sha256: str,
) -> str:
    """`METHOD\\nPATH\\nQUERY\\nname:value\\n...\\n\\nSIGNED-HEADERS\\nPAYLOAD-HASH`; `headers` by lower-case name, each
    header's values already joined (sorted, by commas) as they were signed."""
    names = list(signed_headers)
    canonical_query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(query.items()))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    return "\n".join(
        (method.upper(), path or "/", canonical_query, canonical_headers, ";".join(names), payload_sha256)
    )


def v3_string_to_sign(canonical_request: str) -> str:
    return f"{V3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"


def v3_signature(secret: str, string_to_sign: str) -> str:
    """hex(HMAC-SHA256(secret, string to sign))."""
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def is_v3(headers: Iterable[tuple[str, str]]) -> bool:
    """Whether the request carries a V3 Authorization header (otherwise it is RPC-signed, or not signed)."""
    return any(k.lower() == "authorization" and v.strip().startswith("ACS3-") for k, v in headers)


def joined_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers by lower-case name; repeated headers' stripped values sorted and joined by commas, as signed."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value.strip())
    return {name: ",".join(sorted(values)) for name, values in grouped.items()}


def parse_v3(
    method: str, path: str, query: Mapping[str, str], headers: Iterable[tuple[str, str]], body: bytes
) -> AcsSignedRequest:
    """The V3 signature's parts; checks the form, the signed-header list and the body hash. No secret needed."""
    by_name = joined_headers(headers)
    auth = by_name.get("authorization", "")
    if not auth.startswith(V3_ALGORITHM + " "):
        raise AuthError("InvalidSignatureMethod", f"Only the {V3_ALGORITHM} V3 signature is supported.", 400)
    match = _V3_AUTH_RE.match(auth)
    if not match:
        raise AuthError(
            "InvalidAuthorization",
            f"The Authorization header is malformed; expected '{V3_ALGORITHM} Credential=<AccessKeyId>,"
            "SignedHeaders=<a;b;c>,Signature=<hex>'.",
        )
    key_id, signed_list, signature = match.groups()
    signed = signed_list.split(";")
    if len(signed) > MAX_SIGNED_HEADERS or signed != sorted(set(signed)):
        raise AuthError(
            "InvalidAuthorization", f"SignedHeaders must list at most {MAX_SIGNED_HEADERS} distinct names, sorted."
        )
    must_sign = set(V3_REQUIRED_HEADERS) | {n for n in by_name if n.startswith("x-acs-")}
    unsigned = sorted(must_sign - set(signed))
    if unsigned:
        raise AuthError("InvalidAuthorization", f"These headers must be signed (SignedHeaders): {', '.join(unsigned)}.")
    absent = sorted(n for n in signed if n not in by_name)
    if absent:
        raise AuthError("InvalidAuthorization", f"Signed headers missing from the request: {', '.join(absent)}.")
    claimed = by_name.get("x-acs-accesskey-id")
    if claimed is not None and claimed != key_id:
        raise AuthError("InvalidAuthorization", "x-acs-accesskey-id differs from the Authorization Credential.")
    actual = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(actual, by_name["x-acs-content-sha256"].lower()):
        raise AuthError(
            "ContentSHA256Mismatch", "The body does not match its signed SHA-256: it was altered or truncated.", 400
        )
    canonical = v3_canonical_request(method, path, query, by_name, signed, by_name["x-acs-content-sha256"])
    return AcsSignedRequest(
        scheme="V3",
        key_id=key_id,
        date=_parse_date(by_name["x-acs-date"], "x-acs-date"),
        nonce=_nonce(by_name["x-acs-signature-nonce"], "x-acs-signature-nonce"),
        signature=signature,
        security_token=by_name.get(V3_TOKEN_FIELD) or None,
        string_to_sign=v3_string_to_sign(canonical),
    )
