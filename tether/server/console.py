"""The browser console's server side: cookie sessions, CSRF tokens, the API behind them, pages and their headers.

A browser holds no access key, so after `POST /console/v1/signin` it carries a session cookie instead: 256 random
bits, `HttpOnly` (page scripts cannot read it), `Secure`, `SameSite=Strict` (other sites' requests do not carry
it), `Path=/console`. The database keeps only its SHA-256, so sessions work on every node and a stolen database
holds nothing a browser could present. A session ends `console_session_lifetime` after sign-in (12 h), after
`console_idle_timeout` without a request (1 h), at sign-out, and as soon as the principal's password changes or its
login profile or user is deleted: each session remembers a stamp of the password hash it was opened with and is
refused once the stored hash differs.

State-changing requests need two more things than the cookie: the session's CSRF token in `X-CSRF-Token` (a page
of another origin cannot read it) and, if the browser sent `Origin`, our own origin there. Either check alone
would stop cross-site request forgery in today's browsers; both together also cover an older browser or a
proxy that drops one of them.

`POST /console/v1/api/{Action}` is the signed API with a different authenticator: tether.server.api.dispatch runs
both, so every action, policy decision, error document and audit row is the same (audit rows carry no access key
id and the detail `via console`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from aiohttp import web

from tether.auth.tokens import hash_token, new_token
from tether.server.api.actions import Action, AuditRecord
from tether.server.api.dispatch import Dialect, run_action
from tether.server.api.errors import ApiError, error_response
from tether.server.bootstrap import CONSOLE_PASSWORD_SETTING, CONSOLE_ROOT_NAME
from tether.server.clock import iso, utcnow
from tether.server.origins import origin_allowed
from tether.server.principals import ROOT, USER, Principal, ram_arn, root_arn
from tether.server.state import ServerState, get_state
from tether.store import ConsoleSession, ConsoleSessionRepo

log = logging.getLogger(__name__)

PREFIX = "/console"
COOKIE_NAME = "tether_console"
CSRF_HEADER = "X-CSRF-Token"
ROOT_NAME = CONSOLE_ROOT_NAME
CONSOLE_DETAIL = "via console"
MAX_TOUCH_INTERVAL = 60.0  # seconds: slide last_seen_at at most this often (an active page costs no write per call)
MAX_COOKIE_LENGTH = 128

SIGNED_OUT = "Console.SignedOut"


def signed_out() -> ApiError:
    return ApiError(SIGNED_OUT, "You are not signed in to the console (or the session ended); sign in again.", 401)


def csrf_invalid() -> ApiError:
    return ApiError(
        "Console.CsrfTokenInvalid",
        f"The {CSRF_HEADER} header is missing or does not belong to this console session; reload the page.",
        403,
    )


def origin_refused() -> ApiError:
    return ApiError(
        "Console.OriginRefused",
        "This request came from a page of another origin; the console answers only its own pages.",
        403,
    )


def console_sessions(state: ServerState) -> ConsoleSessionRepo:
    return ConsoleSessionRepo(state.db)


def credential_stamp(password_hash: str) -> str:
    """What a session remembers of the password it was opened with (a hash of the argon2 hash, not the hash)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()


async def current_password_hash(state: ServerState, principal: str) -> str | None:
    """The stored console password hash of `principal` (`root` or a RAM user name); None if it has none."""
    if principal == ROOT_NAME:
        return await state.settings.get(CONSOLE_PASSWORD_SETTING)
    user = await state.iam.get_user(principal)
    return user.password_hash if user is not None else None


def principal_of(state: ServerState, name: str) -> Principal:
    """The API principal of a console session: the account root, or a RAM user (no access key either way)."""
    if name == ROOT_NAME:
        return Principal("", root_arn(state.account_id), ROOT)
    return Principal("", ram_arn(state.account_id, "user", name), USER, name=name)


def _touch_interval(state: ServerState) -> timedelta:
    return timedelta(seconds=min(MAX_TOUCH_INTERVAL, state.config.console_idle_timeout / 10))


def _cookie_headers(response: web.StreamResponse, token: str, max_age: int) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=max_age, path=PREFIX, secure=True, httponly=True, samesite="Strict")


def clear_cookie(response: web.StreamResponse) -> None:
    _cookie_headers(response, "", 0)


def identity(state: ServerState, row: ConsoleSession, csrf_token: str) -> dict[str, Any]:
    """What signin and whoami answer: who, the CSRF token, and what the pages need to build ARNs."""
    principal = principal_of(state, row.principal)
    return {
        "UserName": row.principal,
        "Arn": principal.arn,
        "IsAdmin": principal.is_root,
        "CsrfToken": csrf_token,
        "ExpiresAt": iso(row.expires_at),
        "IdleTimeoutSeconds": int(state.config.console_idle_timeout),
        "AccountId": state.account_id,
        "InstanceArnPrefix": f"acs:ecs:{state.config.region}:{state.account_id}:instance/",
    }


async def open_session(
    state: ServerState, request: web.Request, principal: str, password_hash: str
) -> tuple[str, str, ConsoleSession]:
    """A new console session for `principal` (after its password was checked): (cookie token, CSRF token, row)."""
    token, csrf = new_token(), new_token()
    now = utcnow()
    row = await console_sessions(state).create(
        token_hash=hash_token(token),
        principal=principal,
        csrf_token_encrypted=state.secretbox.encrypt(csrf),
        credential_stamp=credential_stamp(password_hash),
        now=now,
        expires_at=now + timedelta(seconds=state.config.console_session_lifetime),
        source_ip=state.client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return token, csrf, row


def set_session_cookie(response: web.StreamResponse, state: ServerState, token: str) -> None:
    _cookie_headers(response, token, int(state.config.console_session_lifetime))


def _alive(state: ServerState, row: ConsoleSession, now: datetime) -> bool:
    idle = timedelta(seconds=state.config.console_idle_timeout)
    return row.expires_at > now and row.last_seen_at + idle > now


@dataclass
class ConsoleCaller:
    row: ConsoleSession
    principal: Principal
    csrf_token: str


async def console_caller(
    state: ServerState, request: web.Request, *, state_changing: bool, record: AuditRecord | None = None
) -> ConsoleCaller:
    """The signed-in caller of a console request; raises `Console.OriginRefused`, `Console.SignedOut` or (for a
    state-changing request) `Console.CsrfTokenInvalid`. The caller goes to `record` as soon as it is known, so a
    refused CSRF token is audited with the session's principal."""
    if not origin_allowed(request, state, allow_list=False):
        raise origin_refused()
    token = request.cookies.get(COOKIE_NAME, "")
    if not token or len(token) > MAX_COOKIE_LENGTH:
        raise signed_out()
    repo = console_sessions(state)
    token_hash = hash_token(token)
    row = await repo.get(token_hash)
    now = utcnow()
    if row is None or not _alive(state, row, now):
        raise signed_out()
    stored = await current_password_hash(state, row.principal)
    if stored is None or not hmac.compare_digest(credential_stamp(stored), row.credential_stamp):
        await repo.delete(token_hash)  # the password changed or is gone: this session is over on every node
        raise signed_out()
    try:
        csrf = state.secretbox.decrypt(row.csrf_token_encrypted)
    except ValueError:  # sealed under another secret.key: unusable
        await repo.delete(token_hash)
        raise signed_out() from None
    caller = ConsoleCaller(row, principal_of(state, row.principal), csrf)
    if record is not None:
        record.note_principal(caller.principal)
    if state_changing:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), csrf.encode("utf-8")):
            raise csrf_invalid()
    await repo.touch(token_hash, now, _touch_interval(state))
    return caller


async def _console_authenticator(
    state: ServerState, request: web.Request, _action: Action, _body: bytes, record: AuditRecord
) -> Principal:
    caller = await console_caller(state, request, state_changing=True, record=record)
    return caller.principal


CONSOLE_DIALECT = Dialect(_console_authenticator, detail=CONSOLE_DETAIL)


async def console_api(request: web.Request) -> web.StreamResponse:
    """`POST /console/v1/api/{Action}`: the API action as the signed-in principal (cookie + X-CSRF-Token)."""
    return await run_action(request, request.match_info.get("action", "?"), CONSOLE_DIALECT)


async def whoami(request: web.Request) -> web.Response:
    """`GET /console/v1/whoami`: who is signed in, with the session's CSRF token; 401 when nobody is."""
    state = get_state(request)
    request_id = str(uuid.uuid4())
    try:
        caller = await console_caller(state, request, state_changing=False)
    except ApiError as error:
        response = error_response(error, request_id)
        if error.code == SIGNED_OUT and COOKIE_NAME in request.cookies:
            clear_cookie(response)
        return response
    body = {**identity(state, caller.row, caller.csrf_token), "RequestId": request_id}
    return web.json_response(body, headers={"X-Tether-Request-Id": request_id})


async def signout(request: web.Request) -> web.StreamResponse:
    """`POST /console/v1/signout` (cookie + X-CSRF-Token): delete the session everywhere and clear the cookie."""
    state = get_state(request)
    request_id = str(uuid.uuid4())
    record = AuditRecord(
        "ConsoleSignout", request_id, get_state(request).client_ip(request), detail=CONSOLE_DETAIL
    )
    try:
        caller = await console_caller(state, request, state_changing=True, record=record)
        await console_sessions(state).delete(caller.row.id)
        record.result_code, record.http_status = "Success", 204
        response = web.Response(status=204, headers={"X-Tether-Request-Id": request_id})
        clear_cookie(response)
        return response
    except ApiError as error:
        record.result_code, record.http_status = error.code, error.status
        return error_response(error, request_id)
    finally:
        columns = record.columns()
        columns["event_type"] = "ConsoleSignin"
        await state.audit_trail.write(columns)


# --- pages and static files ------------------------------------------------------------------------------------

# Content types by suffix: the system's mimetypes table does not know .mjs, .woff2 or .map everywhere.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
}
VENDOR_DIR = "vendor"  # third-party files: cached for a day (their names change with their version)
_SEGMENT = re.compile(r"^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$")
_PAGE = re.compile(r"^[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_.-]{1,128}){0,3}/?$")  # /console/sessions/s-0a1b...


def static_root() -> Traversable:
    """tether/web/static inside the installed package (works from a wheel as from a checkout)."""
    return resources.files("tether").joinpath("web", "static")


def _static_file(relative: str) -> tuple[Traversable, str] | None:
    """The file `relative` under the static root and its content type, or None (missing, hidden, traversal)."""
    parts = relative.split("/")
    if not relative or len(relative) > 512 or not all(_SEGMENT.match(p) for p in parts):
        return None  # no empty, "." or ".." segments, no hidden files, no backslashes or odd characters
    suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
    content_type = CONTENT_TYPES.get(suffix.lower())
    if content_type is None:
        return None
    root = static_root()
    target = root.joinpath(*parts)
    if isinstance(target, Path) and isinstance(root, Path):
        try:
            resolved = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
            return None  # a symlink out of the tree
        return resolved, content_type
    return (target, content_type) if target.is_file() else None


def _not_found(what: str) -> web.Response:
    return error_response(ApiError("NotFound", f"{what} is not part of the console.", 404), str(uuid.uuid4()))


def _file_response(found: Traversable, content_type: str, cache: str) -> web.StreamResponse:
    headers = {"Content-Type": content_type, "Cache-Control": cache}
    if isinstance(found, Path):
        return web.FileResponse(found, headers=headers)  # ETag, Last-Modified, Range and 304s included
    return web.Response(body=found.read_bytes(), headers=headers)  # a zipped install: small files, read whole


async def index_page(request: web.Request) -> web.StreamResponse:
    """`GET /console/` and `GET /console/{page}`: the single-page app's one HTML document."""
    page = request.match_info.get("page", "")
    if page and (not _PAGE.match(page) or page.split("/")[0] in ("v1", "static")):
        return _not_found(f"The page {page!r}")
    found = _static_file("index.html")
    if found is None:
        return error_response(
            ApiError(
                "Console.NotInstalled",
                "The console pages (tether/web/static/index.html) are not installed with this server.",
                404,
            ),
            str(uuid.uuid4()),
        )
    return _file_response(found[0], found[1], "no-cache")


async def static_file(request: web.Request) -> web.StreamResponse:
    """`GET /console/static/{path}`: files under tether/web/static (no listings, no way out of the tree)."""
    relative = request.match_info.get("path", "")
    found = _static_file(relative)
    if found is None:
        return _not_found(f"The file {relative!r}")
    cache = "public, max-age=86400" if relative.startswith(VENDOR_DIR + "/") else "no-cache"
    return _file_response(found[0], found[1], cache)


async def root_redirect(_request: web.Request) -> web.StreamResponse:
    """`GET /`: the console."""
    raise web.HTTPFound(PREFIX + "/")


# --- security headers ------------------------------------------------------------------------------------------

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def _ws_sources(request: web.Request, state: ServerState) -> list[str]:
    """wss:// and ws:// of the host the browser used and of the public URL (the session WebSocketUrl's host)."""
    hosts = []
    if request.host and _HOST.match(request.host):
        hosts.append(request.host)
    public = state.public_url.split("://", 1)[-1].split("/", 1)[0]
    if public and _HOST.match(public):
        hosts.append(public)
    sources = []
    for host in dict.fromkeys(hosts):
        sources += [f"wss://{host}", f"ws://{host}"]
    return sources


def content_security_policy(request: web.Request, state: ServerState) -> str:
    """No inline script, no eval, nothing from elsewhere.

    - `'wasm-unsafe-eval'`: asciinema-player compiles its terminal emulator from WebAssembly bytes; this allows
      WebAssembly compilation only (JavaScript eval and `new Function` stay forbidden).
    - `style-src 'unsafe-inline'`: xterm.js positions and sizes its rows and cursor with inline `style` attributes
      and a generated `<style>` element, so inline styles must be allowed. Styles cannot run script; what they
      could leak is limited by `img-src`/`font-src`/`connect-src` staying on our own origin.
    - `connect-src` names the WebSocket origins because older browsers do not count ws:/wss: as `'self'`.
    """
    connect = " ".join(["'self'", *_ws_sources(request, state)])
    return (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:; font-src 'self'; connect-src {connect}; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    )


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: the console's security headers on every /console response (and the / redirect)."""
    path = request.path
    if path != "/" and path != PREFIX and not path.startswith(PREFIX + "/"):
        return
    state = get_state(request)
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(request, state)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if state.config.tls:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if path.startswith(PREFIX + "/v1/"):
        headers["Cache-Control"] = "no-store"


def add_routes(app: web.Application) -> None:
    """The console's routes (sign-in is registered by the app with the other unsigned endpoints; `/` by the app,
    which sends a plain `GET /` to `root_redirect` and OpenAPI calls to tether.server.openapi)."""
    app.router.add_get(PREFIX, root_redirect)
    app.router.add_get(PREFIX + "/", index_page)
    app.router.add_get(PREFIX + "/v1/whoami", whoami)
    app.router.add_post(PREFIX + "/v1/signout", signout)
    app.router.add_post(PREFIX + "/v1/api/{action}", console_api)
    app.router.add_get(PREFIX + "/static/{path:.+}", static_file)
    app.router.add_get(PREFIX + "/{page:.+}", index_page)
    app.on_response_prepare.append(security_headers)
