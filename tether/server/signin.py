"""`POST /console/v1/signin`: check a console password, slowed down against guessing, and open a cookie session.

Unsigned on purpose (a person in a browser has a password, not an access key). RAM users sign in with the password
of their login profile; the account root with the user name `root` and the console password generated on first
start (admin-credentials.json) or set with SetAdministratorConsolePassword. Both go through the same slowdown. A
request whose `Origin` is another site's is refused before any password is checked (login CSRF). Every attempt is
audited as `ConsoleSignin`, never with the password; the failure that starts a slowdown also leaves a
`ConsoleSigninLockout` row naming the budget it used up, so an administrator sees guessing as it starts. The session
itself is tether.server.console's.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

from aiohttp import web

from tether.server.api.actions import AuditRecord
from tether.server.api.body import read_body
from tether.server.api.errors import ApiError, error_response, json_body
from tether.server.bootstrap import CONSOLE_PASSWORD_SETTING, CONSOLE_ROOT_NAME
from tether.server.clock import utcnow
from tether.server.console import identity, open_session, origin_refused, set_session_cookie
from tether.server.origins import origin_allowed
from tether.server.passwords import MAX_LENGTH, hash_password, verify_password
from tether.server.principals import ram_arn, root_arn
from tether.server.state import ServerState, get_state
from tether.store import RamUser

log = logging.getLogger(__name__)

SIGNIN_PATH = "/console/v1/signin"
MAX_SIGNIN_BODY = 4096


def _invalid() -> ApiError:
    return ApiError("InvalidCredentials", "The user name or password is incorrect.", 401)


def _begin_attempt(state: ServerState, user_name: str, source_ip: str) -> None:
    """Count the attempt, or raise `Throttling.SignIn` (429 with Retry-After) while this user or address waits."""
    wait = state.signin_limiter.begin(user_name, source_ip)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            "Throttling.SignIn",
            f"Too many failed sign-ins for this user from this address, or from this address; try again in {seconds} "
            "seconds (sign-ins from other addresses are not affected).",
            429,
            headers={"Retry-After": str(seconds)},
        )


async def check_root_password(state: ServerState, password: str, source_ip: str) -> str:
    """The stored hash if `password` is the account root's console password (it may have been re-hashed);
    raises like `check_console_password`."""
    _begin_attempt(state, CONSOLE_ROOT_NAME, source_ip)
    hashed = await state.settings.get(CONSOLE_PASSWORD_SETTING)
    matches, rehash = await verify_password(hashed, password)
    if hashed is None or not matches:
        raise _invalid()
    state.signin_limiter.succeeded(CONSOLE_ROOT_NAME, source_ip)
    if rehash:
        hashed = await hash_password(password)
        await state.settings.set(CONSOLE_PASSWORD_SETTING, hashed)
    return hashed


async def check_console_password(state: ServerState, user_name: str, password: str, source_ip: str) -> RamUser:
    """The user if `password` is its console password; raises `Throttling.SignIn` (429 with a Retry-After header)
    or `InvalidCredentials` (401, the same for unknown users and users without a login profile)."""
    limiter = state.signin_limiter
    _begin_attempt(state, user_name, source_ip)
    user = await state.iam.get_user(user_name) if 0 < len(user_name) <= 64 else None
    matches, rehash = await verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        raise _invalid()
    limiter.succeeded(user_name, source_ip)
    new_hash = await hash_password(password) if rehash else None
    await state.iam.record_login(user.name, utcnow(), new_hash)
    if new_hash is not None:
        user.password_hash = new_hash
    return user


async def _audit_lockout(state: ServerState, attempt: AuditRecord, user_name: str) -> None:
    """If this failure used up a budget, write the `ConsoleSigninLockout` row (who, from where, which budget)."""
    budget = state.signin_limiter.lockout_started(user_name, attempt.source_ip)
    if budget is None:
        return
    columns = attempt.columns()
    columns.update(
        event_type="ConsoleSignin",
        event_name="ConsoleSigninLockout",
        result_code="Throttling.SignIn",
        http_status=429,
        detail=f"further sign-ins {'as this user ' if budget == 'user at address' else ''}from this address wait",
    )
    await state.audit_trail.write(columns)


def _credentials(body: bytes) -> tuple[str, str]:
    value: Any = json_body(body)
    if not isinstance(value, dict):
        raise ApiError("InvalidParameter", "The request body must be a JSON object.", 400)
    for name in ("UserName", "Password"):
        if name not in value:
            raise ApiError("MissingParameter", f"Sign-in needs the parameter {name}.", 400)
        if not isinstance(value[name], str) or not value[name]:
            raise ApiError("InvalidParameter", f"The parameter {name} must be a non-empty string.", 400)
    if len(value["Password"]) > MAX_LENGTH:
        raise _invalid()
    return value["UserName"], value["Password"]


async def console_signin(request: web.Request) -> web.Response:
    state = get_state(request)
    request_id = str(uuid.uuid4())
    remote = state.client_ip(request)
    record = AuditRecord("ConsoleSignin", request_id, remote)
    user_name = ""
    try:
        if not origin_allowed(request, state, allow_list=False):
            raise origin_refused()
        body = await read_body(request, MAX_SIGNIN_BODY, state.config.body_timeout)
        user_name, password = _credentials(body)
        if user_name == CONSOLE_ROOT_NAME:
            record.resource = root_arn(state.account_id)
            name, password_hash = CONSOLE_ROOT_NAME, await check_root_password(state, password, remote)
            record.principal_arn = root_arn(state.account_id)
        else:
            record.resource = ram_arn(state.account_id, "user", user_name[:64])
            user = await check_console_password(state, user_name, password, remote)
            assert user.password_hash is not None  # a user without a login profile never passes the check
            name, password_hash = user.name, user.password_hash
            record.principal_arn = ram_arn(state.account_id, "user", user.name)
        token, csrf, row = await open_session(state, request, name, password_hash)
        record.result_code, record.http_status = "Success", 200
        response = web.json_response(
            {**identity(state, row, csrf), "RequestId": request_id}, headers={"X-Tether-Request-Id": request_id}
        )
        set_session_cookie(response, state, token)
        return response
    except ApiError as error:
        record.result_code, record.http_status = error.code, error.status
        if error.code == "InvalidCredentials":
            await _audit_lockout(state, record, user_name)
        return error_response(error, request_id)
    except Exception:
        log.exception("sign-in request %s failed", request_id)
        failure = ApiError("InternalError", f"The server failed to handle the request; RequestId {request_id}.", 500)
        record.result_code, record.http_status = failure.code, failure.status
        return error_response(failure, request_id)
    finally:
        columns = record.columns()
        columns["event_type"] = "ConsoleSignin"
        await state.audit_trail.write(columns)
