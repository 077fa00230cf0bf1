"""Authentication of signed API requests: permanent access keys and AssumeRole's temporary credentials.

One path for every signature dialect: tether's own header (tether.auth.signing) and the ECS OpenAPI's RPC and V3
signatures (tether.auth.acs) each parse into a `Signed`, and `authenticate_signed` does the rest the same way for
all of them: key lookup, STS token, skew, constant-time signature compare, nonce replay.

The signature is checked before the nonce is recorded, so an unauthenticated caller cannot fill the nonce table,
and the nonce insert relies on the table's unique constraint, so a replay is caught even on another node.

Temporary credentials (key ids starting `STS.`) must come with their security token: the key id and secret alone
are not enough, as with the cloud's STS, so a leaked signing secret without the token is useless. The token is
compared by hash in constant time, and only after the signature matched, so the answer never helps guess it.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from tether.auth.signing import AuthError, Signed, parse_request, verify_request
from tether.auth.tokens import token_matches
from tether.server.api.actions import AuditRecord
from tether.server.api.errors import ApiError
from tether.server.api.stschain import check_origin
from tether.server.clock import utcnow
from tether.server.principals import ROLE, Principal, assumed_role_arn, key_principal
from tether.server.state import ServerState
from tether.store.access_keys import ACTIVE

NONCE_MEMORY = timedelta(minutes=30)  # > the 15-minute skew allowed either way
STS_PREFIX = "STS."


def _api_error(exc: AuthError) -> ApiError:
    return ApiError(exc.code, exc.message, exc.status)


def _verify(signed: Signed, secret: str) -> None:
    try:
        verify_request(signed, secret, now=utcnow())
    except AuthError as exc:
        raise _api_error(exc) from None


async def _permanent(state: ServerState, signed: Signed) -> Principal:
    if signed.security_token is not None:
        raise ApiError(
            "InvalidSecurityToken.Unexpected",
            f"Access key {signed.key_id} is a permanent key: send {signed.token_field} only with temporary "
            "(STS.) credentials.",
            401,
        )
    key = await state.access_keys.get(signed.key_id)
    if key is None:
        raise ApiError("InvalidAccessKeyId.NotFound", f"Access key {signed.key_id} does not exist.", 401)
    if key.status != ACTIVE:
        raise ApiError(
            "InvalidAccessKeyId.Inactive",
            f"Access key {signed.key_id} is disabled; enable it with UpdateAccessKey or use another key.",
            401,
        )
    _verify(signed, state.secretbox.decrypt(key.secret_encrypted))
    return key_principal(state.account_id, key.id, key.principal)


async def _temporary(state: ServerState, signed: Signed) -> Principal:
    cred = await state.sts.get(signed.key_id)
    if cred is None:
        raise ApiError("InvalidAccessKeyId.NotFound", f"Access key {signed.key_id} does not exist.", 401)
    if not signed.security_token:
        raise ApiError(
            "InvalidSecurityToken.Missing",
            f"Temporary credentials need their SecurityToken: send it in {signed.token_field}.",
            401,
        )
    _verify(signed, state.secretbox.decrypt(cred.secret_encrypted))
    if not token_matches(signed.security_token, cred.token_hash):
        raise ApiError(
            "InvalidSecurityToken.Mismatch",
            f"The security token does not belong to access key {signed.key_id}.",
            401,
        )
    if cred.expires_at <= utcnow():
        raise ApiError(
            "InvalidSecurityToken.Expired",
            f"The temporary credentials {signed.key_id} have expired; call AssumeRole again for new ones.",
            401,
        )
    await check_origin(state, cred)  # the role, its trust and whoever assumed it must all still stand
    return Principal(
        access_key_id=cred.id,
        arn=assumed_role_arn(state.account_id, cred.role_name, cred.session_name),
        kind=ROLE,
        name=cred.role_name,
        session_name=cred.session_name,
        session_policy=cred.session_policy,
    )


async def authenticate(state: ServerState, request: web.Request, body: bytes, audit: AuditRecord) -> Principal:
    """The principal that signed this tether-signed request (docs/api.md); raises ApiError with the reason otherwise."""
    try:
        signed = parse_request(request.method, request.path, request.headers, body)
    except AuthError as exc:
        raise _api_error(exc) from None
    return await authenticate_signed(state, signed, audit)


async def authenticate_signed(state: ServerState, signed: Signed, audit: AuditRecord) -> Principal:
    """The principal that signed `signed`, in any dialect; raises ApiError with the reason otherwise.

    The claimed key id goes to the audit record as soon as it is known, so failed attempts are traceable too.
    """
    audit.access_key_id = signed.key_id
    if signed.key_id.startswith(STS_PREFIX):
        principal = await _temporary(state, signed)
    else:
        principal = await _permanent(state, signed)
    if not await state.nonces.use(principal.access_key_id, signed.nonce, utcnow() + NONCE_MEMORY):
        raise ApiError(
            "SignatureNonceUsed", "This request was already received: every request needs a fresh nonce.", 401
        )
    return principal
