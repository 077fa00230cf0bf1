"""Authentication of signed API requests against the access keys in the store.

The signature is checked before the nonce is recorded, so an unauthenticated caller cannot fill the nonce table,
and the nonce insert relies on the table's unique constraint, so a replay is caught even on another node.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from tether.auth.signing import AuthError, parse_request, verify_request
from tether.server.api.authz import Principal
from tether.server.api.errors import ApiError
from tether.server.state import ServerState, utcnow
from tether.store.access_keys import ACTIVE

NONCE_MEMORY = timedelta(minutes=30)  # > the 15-minute skew allowed either way


def _api_error(exc: AuthError) -> ApiError:
    return ApiError(exc.code, exc.message, exc.status)


async def authenticate(state: ServerState, request: web.Request, body: bytes) -> Principal:
    try:
        signed = parse_request(request.method, request.path, request.headers, body)
    except AuthError as exc:
        raise _api_error(exc) from None
    if signed.security_token is not None:
        raise ApiError(
            "InvalidSecurityToken",
            "This server does not issue temporary credentials yet; sign with an access key and no security token.",
            401,
        )
    key = await state.access_keys.get(signed.key_id)
    if key is None:
        raise ApiError("InvalidAccessKeyId.NotFound", f"Access key {signed.key_id} does not exist.", 401)
    if key.status != ACTIVE:
        raise ApiError("InvalidAccessKeyId.Inactive", f"Access key {signed.key_id} is disabled.", 401)
    try:
        verify_request(signed, state.secretbox.decrypt(key.secret_encrypted), now=utcnow())
    except AuthError as exc:
        raise _api_error(exc) from None
    if not await state.nonces.use(key.id, signed.nonce, utcnow() + NONCE_MEMORY):
        raise ApiError(
            "SignatureNonceUsed", "This request was already received: every request needs a fresh nonce.", 401
        )
    return Principal(access_key_id=key.id, arn=key.principal, is_admin=key.id == state.admin_key_id)
