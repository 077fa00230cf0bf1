"""The browser console's server side against a real server: cookie sessions, CSRF, origins, pages and headers."""

from __future__ import annotations

import asyncio
import io
import json
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from support.tls import trusting
from yarl import URL

from tether.server import RunningServer
from tether.server.bootstrap import CONSOLE_PASSWORD_KEY, CREDENTIALS_FILE
from tether.server.clock import utcnow
from tether.server.console import COOKIE_NAME
from tether.store import ConsoleSessionRepo

PASSWORD = "correct horse battery"


class Console:
    """A browser-like client: its own cookie jar, the CSRF token it got at sign-in, an Origin header if asked."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.ssl: ssl.SSLContext | None = trusting(server.admin_credentials.ca_cert)
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None

    @property
    def origin(self) -> str:
        return self.server.url

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        data = None if body is None else json.dumps(body).encode()
        async with self.http.request(
            method, self.server.url + path, data=data, headers=headers or {}, ssl=self.ssl
        ) as resp:
            raw = await resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw
            return resp.status, parsed, resp

    async def signin(self, user: str, password: str, origin: str | None = "own") -> tuple[int, Any, Any]:
        headers = {"Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = self.origin if origin == "own" else origin
        status, body, resp = await self.request(
            "POST", "/console/v1/signin", {"UserName": user, "Password": password}, headers
        )
        if status == 200:
            self.csrf = body["CsrfToken"]
        return status, body, resp

    async def call(
        self, action: str, body: dict[str, Any] | None = None, *, csrf: str | None = "mine", origin: str | None = "own"
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if csrf is not None:
            headers["X-CSRF-Token"] = self.csrf or "" if csrf == "mine" else csrf
        if origin is not None:
            headers["Origin"] = self.origin if origin == "own" else origin
        status, reply, _ = await self.request("POST", f"/console/v1/api/{action}", body or {}, headers)
        return status, reply

    async def whoami(self) -> tuple[int, Any]:
        status, body, _ = await self.request("GET", "/console/v1/whoami")
        return status, body

    def cookie(self) -> str:
        for morsel in self.http.cookie_jar:
            if morsel.key == COOKIE_NAME:
                return morsel.value
        raise AssertionError("no console cookie in the jar")

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture
async def consoles() -> AsyncIterator[Callable[[RunningServer], Console]]:
    made: list[Console] = []

    def make(server: RunningServer) -> Console:
        console = Console(server)
        made.append(console)
        return console

    yield make
    for console in made:
        await console.close()


def root_password(server: RunningServer) -> str:
    document = json.loads((server.state.config.data_dir / CREDENTIALS_FILE).read_text())
    return str(document[CONSOLE_PASSWORD_KEY])


async def make_console_user(api, name: str, *statements: dict[str, Any]) -> None:
    await api.ok("CreateUser", {"UserName": name})
    await api.ok("CreateLoginProfile", {"UserName": name, "Password": PASSWORD})
    if statements:
        document = json.dumps({"Version": "1", "Statement": list(statements)})
        await api.ok("CreatePolicy", {"PolicyName": f"{name}-p", "PolicyDocument": document})
        await api.ok("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": f"{name}-p", "UserName": name})


# --- sign-in, cookie, whoami, sign-out --------------------------------------------------------------------------


async def test_signin_sets_a_strict_cookie_and_whoami_answers(server, api, consoles) -> None:
    await make_console_user(api, "ann")
    console = consoles(server)
    assert (await console.whoami())[0] == 401
    status, body, resp = await console.signin("ann", PASSWORD)
    assert status == 200, body
    assert body["UserName"] == "ann" and body["Arn"].endswith(":user/ann") and body["IsAdmin"] is False
    assert len(body["CsrfToken"]) >= 40 and body["ExpiresAt"].endswith("Z")
    cookies = resp.headers.getall("Set-Cookie")
    assert len(cookies) == 1
    attributes = [part.strip() for part in cookies[0].split(";")]
    name, _, value = attributes[0].partition("=")
    assert name == COOKIE_NAME and len(value) >= 43
    lowered = {a.lower() for a in attributes[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/console", "max-age=43200"} <= lowered
    assert resp.headers["Cache-Control"] == "no-store"
    assert value not in json.dumps(body)  # the cookie token is never in a body a page script could read

    status, me = await console.whoami()
    assert status == 200 and me["UserName"] == "ann" and me["CsrfToken"] == body["CsrfToken"]
    assert me["AccountId"] == server.state.account_id
    assert me["InstanceArnPrefix"] == f"acs:ecs:local:{server.state.account_id}:instance/"

    # the database holds the token's hash, never the token, and the row says where it came from
    rows = await ConsoleSessionRepo(server.state.db).list_for("ann")
    assert len(rows) == 1 and rows[0].id != value and rows[0].source_ip == "127.0.0.1"
    assert body["CsrfToken"] not in rows[0].csrf_token_encrypted


async def test_signout_then_the_old_cookie_is_refused(server, api, consoles) -> None:
    await make_console_user(api, "bob")
    console = consoles(server)
    await console.signin("bob", PASSWORD)
    old = console.cookie()
    status, _, _ = await console.request("POST", "/console/v1/signout", headers={"Origin": console.origin})
    assert status == 403  # sign-out is state-changing: it needs the CSRF token too
    status, _, resp = await console.request(
        "POST", "/console/v1/signout", headers={"X-CSRF-Token": console.csrf or "", "Origin": console.origin}
    )
    assert status == 204
    assert "max-age=0" in resp.headers["Set-Cookie"].lower()
    assert await ConsoleSessionRepo(server.state.db).list_for("bob") == []

    thief = consoles(server)
    thief.http.cookie_jar.update_cookies({COOKIE_NAME: old}, URL(server.url + "/console/"))
    thief.csrf = console.csrf
    status, body = await thief.whoami()
    assert (status, body["Code"]) == (401, "Console.SignedOut")
    status, body = await thief.call("DescribeInstances")
    assert (status, body["Code"]) == (401, "Console.SignedOut")

    events = (await api.ok("LookupEvents", {"EventName": "ConsoleSignout"}))["Events"]
    assert {e["Result"] for e in events} == {"Success", "Console.CsrfTokenInvalid"}


async def test_cross_origin_signin_is_refused_before_the_password_is_checked(make_server, api_for, consoles) -> None:
    server = await make_server(signin_user_free_failures=1)
    api = api_for(server)
    await make_console_user(api, "cat")
    console = consoles(server)
    for _ in range(3):  # never counted as failures: the right password still works afterwards
        status, body, _ = await console.signin("cat", "wrong password", origin="https://evil.example")
        assert (status, body["Code"]) == (403, "Console.OriginRefused")
    status, body, _ = await console.signin("cat", PASSWORD, origin="null")
    assert (status, body["Code"]) == (403, "Console.OriginRefused")
    assert (await console.signin("cat", PASSWORD, origin=None))[0] == 200  # no Origin: not a browser
    assert (await console.signin("cat", PASSWORD))[0] == 200


# --- the API through the console --------------------------------------------------------------------------------


async def test_api_through_the_console_is_the_signed_api(server, api, consoles) -> None:
    await make_console_user(
        api, "dan", {"Effect": "Allow", "Action": ["ecs:DescribeInstances", "ram:GetUser"], "Resource": "*"}
    )
    console = consoles(server)
    await console.signin("dan", PASSWORD)
    status, body = await console.call("DescribeInstances", {"PageSize": 5})
    assert status == 200 and body["Instances"] == [] and body["RequestId"]
    status, body = await console.call("GetCallerIdentity")
    assert status == 200 and body["Arn"].endswith(":user/dan") and body["IdentityType"] == "RAMUser"

    # the same errors, byte for byte in shape, as the signed API
    signed = await api.call("DescribeInstances", {"PageSize": 0})
    status, body = await console.call("DescribeInstances", {"PageSize": 0})
    assert (status, body["Code"], body["Message"]) == (signed.status, signed.code, signed.body["Message"])
    status, body = await console.call("NoSuchAction")
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    status, body = await console.call("CreateActivation")
    assert (status, body["Code"]) == (403, "Forbidden.RAM")
    assert body["Message"] == "You are not authorized to do action ecs:CreateActivation on resource *."
    status, body = await console.call("DescribeInstances", {"Bogus": 1})
    assert (status, body["Code"]) == (400, "InvalidParameter")

    # CSRF: missing or forged tokens are refused, and so is a foreign origin, whatever the cookie
    status, body = await console.call("DescribeInstances", csrf=None)
    assert (status, body["Code"]) == (403, "Console.CsrfTokenInvalid")
    status, body = await console.call("DescribeInstances", csrf="A" * 43)
    assert (status, body["Code"]) == (403, "Console.CsrfTokenInvalid")
    status, body = await console.call("DescribeInstances", origin="https://evil.example")
    assert (status, body["Code"]) == (403, "Console.OriginRefused")
    status, body = await console.call("DescribeInstances", origin=None)  # no Origin: the token alone suffices
    assert status == 200

    # audit rows: the console caller, no access key, marked as console calls; refusals audited too
    events = (await api.ok("LookupEvents", {"PrincipalArn": body_arn(server, "dan"), "MaxResults": 100}))["Events"]
    events = [e for e in events if e["EventType"] == "ApiCall"]
    assert events and all(e["Detail"] == "via console" for e in events)
    assert all(e["UserIdentity"]["AccessKeyId"] is None for e in events)
    results = {(e["EventName"], e["Result"]) for e in events}
    assert ("DescribeInstances", "Success") in results
    assert ("DescribeInstances", "Console.CsrfTokenInvalid") in results
    assert ("CreateActivation", "Forbidden.RAM") in results


def body_arn(server: RunningServer, user: str) -> str:
    return f"acs:ram::{server.state.account_id}:user/{user}"


async def test_console_request_size_limit(server, api, consoles) -> None:
    await make_console_user(api, "eve")
    console = consoles(server)
    await console.signin("eve", PASSWORD)
    headers = {"X-CSRF-Token": console.csrf or "", "Content-Type": "application/json"}
    async with console.http.post(
        server.url + "/console/v1/api/DescribeInstances",
        data=io.BytesIO(b" " * (1024 * 1024 + 10)),  # (raw bytes this large: aiohttp warns)
        headers=headers,
        ssl=console.ssl,
    ) as resp:
        assert resp.status == 413


# --- session lifetime, idle timeout, password changes -----------------------------------------------------------


async def test_expired_session_is_refused(make_server, api_for, consoles) -> None:
    server = await make_server(console_session_lifetime=1.5)
    api = api_for(server)
    await make_console_user(api, "fay")
    console = consoles(server)
    await console.signin("fay", PASSWORD)
    assert (await console.whoami())[0] == 200
    await asyncio.sleep(1.7)  # past the lifetime: only the server's clock decides (no clock to move in tests)
    status, body = await console.whoami()
    assert (status, body["Code"]) == (401, "Console.SignedOut")
    # housekeeping deletes the row
    from tether.server.jobs import sweep_once

    await sweep_once(server.state)
    assert await ConsoleSessionRepo(server.state.db).list_for("fay") == []


async def test_idle_timeout_slides_with_use(make_server, api_for, consoles) -> None:
    server = await make_server(console_idle_timeout=0.8)
    api = api_for(server)
    await make_console_user(api, "gus")
    console = consoles(server)
    await console.signin("gus", PASSWORD)
    for _ in range(5):  # 1.25 s of activity: longer than the idle timeout, but never idle that long
        await asyncio.sleep(0.25)  # a sleep on purpose: the session must not end while in use
        assert (await console.call("GetCallerIdentity"))[0] == 200
    await asyncio.sleep(1.0)  # idle past the timeout: only the server's clock decides (a request would be use)
    status, body = await console.call("GetCallerIdentity")
    assert (status, body["Code"]) == (401, "Console.SignedOut")


async def test_last_seen_is_written_at_most_once_a_minute(server, api, consoles) -> None:
    await make_console_user(api, "hal")
    console = consoles(server)
    await console.signin("hal", PASSWORD)
    repo = ConsoleSessionRepo(server.state.db)
    first = (await repo.list_for("hal"))[0].last_seen_at
    for _ in range(3):
        assert (await console.call("GetCallerIdentity"))[0] == 200
    assert (await repo.list_for("hal"))[0].last_seen_at == first


async def test_password_change_and_profile_or_user_deletion_end_sessions(server, api, consoles) -> None:
    await make_console_user(api, "ida")
    first, second = consoles(server), consoles(server)
    await first.signin("ida", PASSWORD)
    await second.signin("ida", PASSWORD)
    await api.ok("UpdateLoginProfile", {"UserName": "ida", "PasswordResetRequired": True})  # not the password
    assert (await first.whoami())[0] == 200
    await api.ok("UpdateLoginProfile", {"UserName": "ida", "Password": "a brand new secret"})
    assert (await first.whoami())[0] == 401 and (await second.call("GetCallerIdentity"))[0] == 401
    assert (await first.signin("ida", PASSWORD))[0] == 401
    assert (await first.signin("ida", "a brand new secret"))[0] == 200

    # a change made behind the API's back (another node, the store directly) is caught by the password stamp
    await server.state.iam.set_login_profile(
        "ida",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        reset_required=None,
        create=False,
        now=utcnow(),
    )
    assert (await first.whoami())[0] == 401

    await api.ok("UpdateLoginProfile", {"UserName": "ida", "Password": PASSWORD})
    await first.signin("ida", PASSWORD)
    await api.ok("DeleteLoginProfile", {"UserName": "ida"})
    assert (await first.whoami())[0] == 401
    await api.ok("CreateLoginProfile", {"UserName": "ida", "Password": PASSWORD})
    await first.signin("ida", PASSWORD)
    await api.ok("DeleteUser", {"UserName": "ida"})
    assert (await first.whoami())[0] == 401
    assert await ConsoleSessionRepo(server.state.db).list_for("ida") == []


# --- the account root -------------------------------------------------------------------------------------------


async def test_root_signs_in_with_the_generated_password(server, api, consoles, make_user) -> None:
    generated = root_password(server)
    assert server.admin_credentials.console_password == generated and len(generated) >= 20
    stored = await server.state.settings.get("admin_console_password_hash")
    assert stored and stored.startswith("$argon2id$") and generated not in stored
    console = consoles(server)
    status, body, _ = await console.signin("root", generated)
    assert status == 200 and body["IsAdmin"] is True and body["Arn"] == f"acs:ram::{server.state.account_id}:root"
    status, reply = await console.call("CreateActivation", {"Description": "from the console"})
    assert status == 200 and reply["ActivationId"]
    status, reply = await console.call("GetCallerIdentity")
    assert reply["IdentityType"] == "Account"

    # only the root may change it; a RAM user with every permission may not
    admin_like = await make_user({"Effect": "Allow", "Action": "*", "Resource": "*"})
    refused = await admin_like.call("SetAdministratorConsolePassword", {"Password": "whatever-long"})
    assert (refused.status, refused.code) == (403, "Forbidden.RAM")
    short = await api.call("SetAdministratorConsolePassword", {"Password": "short"})
    assert (short.status, short.code) == (400, "InvalidParameter.Password")
    await api.ok("SetAdministratorConsolePassword", {"Password": "the new root secret"})
    assert (await console.whoami())[0] == 401  # the root's sessions end with the old password
    assert (await console.signin("root", generated))[0] == 401
    assert (await console.signin("root", "the new root secret"))[0] == 200
    document = json.loads((server.state.config.data_dir / CREDENTIALS_FILE).read_text())
    assert CONSOLE_PASSWORD_KEY not in document and document["access_key_id"]  # the stale password is gone


async def test_root_password_survives_restart_and_is_not_regenerated(make_server, consoles) -> None:
    server = await make_server()
    generated = root_password(server)
    path = server.state.config.data_dir / CREDENTIALS_FILE
    await server.stop()
    again = await make_server()
    assert again.admin_credentials.console_password is None
    assert json.loads(path.read_text())[CONSOLE_PASSWORD_KEY] == generated  # kept in the file
    assert (await consoles(again).signin("root", generated))[0] == 200


async def test_root_sign_in_is_slowed_like_any_other(make_server, consoles) -> None:
    server = await make_server(signin_user_free_failures=1, signin_ip_free_failures=50)
    console = consoles(server)
    assert (await console.signin("root", "not the password"))[0] == 401
    status, body, resp = await console.signin("root", root_password(server))
    assert (status, body["Code"]) == (429, "Throttling.SignIn") and int(resp.headers["Retry-After"]) >= 1


async def test_no_ram_user_may_be_called_root(api) -> None:
    for name in ("root", "Root"):
        reply = await api.call("CreateUser", {"UserName": name})
        assert (reply.status, reply.code) == (400, "InvalidParameter.UserName")


# --- SimulatePrincipalPolicy ------------------------------------------------------------------------------------


async def test_simulate_principal_policy(server, api, consoles, make_agent) -> None:
    agent = await make_agent()
    await api.ok(
        "TagResources",
        {"ResourceType": "instance", "ResourceId": [agent.instance_id], "Tag": [{"Key": "env", "Value": "prod"}]},
    )
    await make_console_user(
        api,
        "joe",
        {"Effect": "Allow", "Action": ["ecs:StartTerminalSession", "ecs:DescribeInstances"], "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "ecs:StartTerminalSession",
            "Resource": "*",
            "Condition": {"StringEquals": {"ecs:tag/env": "prod"}},
        },
    )
    console = consoles(server)
    await console.signin("joe", PASSWORD)
    me = (await console.whoami())[1]
    prod = me["InstanceArnPrefix"] + agent.instance_id
    other = me["InstanceArnPrefix"] + "mi-0123456789abcdef0"
    status, body = await console.call(
        "SimulatePrincipalPolicy",
        {
            "ActionNames": ["ecs:StartTerminalSession", "ecs:DescribeCloudAssistantStatus"],
            "ResourceArns": [prod, other],
        },
    )
    assert status == 200, body
    results = {(r["ActionName"], r["ResourceArn"]): r for r in body["EvaluationResults"]}
    assert len(results) == 4
    denied = results[("ecs:StartTerminalSession", prod)]
    assert (
        denied["Decision"] == "explicitDeny" and denied["MatchedPolicy"] == "joe-p" and denied["MatchedStatement"] == 1
    )
    allowed = results[("ecs:StartTerminalSession", other)]
    assert allowed["Decision"] == "allowed" and allowed["MatchedStatement"] == 0
    assert results[("ecs:DescribeCloudAssistantStatus", prod)]["Decision"] == "implicitDeny"
    assert results[("ecs:DescribeCloudAssistantStatus", prod)]["MatchedPolicy"] is None

    # signed, as the root: everything allowed; one audit row per call
    root = await api.ok("SimulatePrincipalPolicy", {"ActionNames": ["ecs:DeregisterInstance"]})
    assert root["EvaluationResults"] == [
        {
            "ActionName": "ecs:DeregisterInstance",
            "ResourceArn": "*",
            "Decision": "allowed",
            "MatchedPolicy": "(root)",
            "MatchedStatement": None,
        }
    ]
    events = (await api.ok("LookupEvents", {"EventName": "SimulatePrincipalPolicy"}))["Events"]
    assert len(events) == 2
    bad = await api.call("SimulatePrincipalPolicy", {"ActionNames": ["not an action"]})
    assert (bad.status, bad.code) == (400, "InvalidParameter")
    too_many = await api.call("SimulatePrincipalPolicy", {"ActionNames": [f"ecs:A{i}" for i in range(21)]})
    assert (too_many.status, too_many.code) == (400, "InvalidParameter")
    status, body = await console.call(
        "SimulatePrincipalPolicy",
        {
            "ActionNames": ["ecs:StartTerminalSession"],
            "ResourceArns": [other],
            "ContextEntries": [{"ContextKeyName": "ecs:tag/env", "ContextKeyValues": ["prod"]}],
        },
    )
    assert status == 200 and body["EvaluationResults"][0]["Decision"] == "explicitDeny"


# --- WebSocket origins ------------------------------------------------------------------------------------------


async def _dial(http: aiohttp.ClientSession, url: str, ssl_ctx: Any, origin: str | None) -> int:
    headers = {"Origin": origin} if origin is not None else {}
    try:
        ws = await http.ws_connect(url, ssl=ssl_ctx, headers=headers, max_msg_size=0)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    return 101


async def test_session_websocket_refuses_foreign_origins(server, api, make_agent) -> None:
    agent = await make_agent()
    for own in (True, False):
        started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
        url = started["WebSocketUrl"]
        for origin in ("https://evil.example", "null", server.url.replace("https://", "http://")):
            assert await _dial(api.http, url, api.ssl, origin) == 403
        # the refusals did not use up the single-use token
        assert await _dial(api.http, url, api.ssl, server.url if own else None) == 101
    async with api.http.get(
        server.url + "/client/v1/data/s-x?token=x", headers={"Origin": "https://evil.example"}, ssl=api.ssl
    ) as resp:
        assert resp.status == 403 and (await resp.json())["Code"] == "OriginRefused"


async def test_allow_listed_origin_may_open_session_websockets(make_server, make_agent_for, consoles) -> None:
    server = await make_server(console_allowed_origins=["https://App.Example.com:443/"])
    api, agent = await make_agent_for(server)
    started = await api.ok("StartTerminalSession", {"InstanceId": agent.instance_id})
    assert await _dial(api.http, started["WebSocketUrl"], api.ssl, "https://app.example.com:8443") == 403
    assert await _dial(api.http, started["WebSocketUrl"], api.ssl, "https://app.example.com") == 101
    # the allow-list opens session WebSockets only, never the console's cookie endpoints
    status, body, _ = await consoles(server).signin("root", "x" * 10, origin="https://app.example.com")
    assert (status, body["Code"]) == (403, "Console.OriginRefused")


def test_allowed_origins_are_validated() -> None:
    from tether.server.config import ServerConfig

    for bad in ("null", "*", "https://app.example.com/path", "app.example.com", "https://*.example.com"):
        with pytest.raises(ValueError, match="not an origin"):
            ServerConfig(data_dir=Path("/tmp/x"), console_allowed_origins=[bad])


# --- pages, static files, headers -------------------------------------------------------------------------------

CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
)


def _assert_security_headers(resp: aiohttp.ClientResponse, server: RunningServer) -> None:
    csp = resp.headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in csp, (part, csp)
    assert "unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")
    host = server.url.split("://")[1]
    assert f"wss://{host}" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_pages_and_static_files(server, consoles) -> None:
    console = consoles(server)
    http, base = console.http, server.url
    async with http.get(base + "/", ssl=console.ssl, allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"] == "/console/"
    for path in ("/console/", "/console/machines", "/console/sessions/s-0123abc"):
        async with http.get(base + path, ssl=console.ssl) as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            assert resp.headers["Cache-Control"] == "no-cache"
            assert b"<html" in (await resp.read()).lower()
            _assert_security_headers(resp, server)
    async with http.get(base + "/console/static/vendor/xterm/xterm.css", ssl=console.ssl) as resp:
        assert resp.status == 200 and resp.content_type == "text/css"
        assert resp.headers["Cache-Control"] == "public, max-age=86400" and resp.headers["ETag"]
        etag = resp.headers["ETag"]
        _assert_security_headers(resp, server)
    async with http.get(
        base + "/console/static/vendor/xterm/xterm.css", headers={"If-None-Match": etag}, ssl=console.ssl
    ) as resp:
        assert resp.status == 304
    async with http.get(base + "/console/static/vendor/xterm/xterm.mjs", ssl=console.ssl) as resp:
        assert resp.status == 200 and resp.content_type == "text/javascript"
    for path in ("/console/v1/nothing", "/console/static/", "/console/a/b/c/d/e", "/console/<script>"):
        async with http.get(base + path, ssl=console.ssl) as resp:
            assert resp.status == 404, path
    async with http.get(base + "/console/v1/whoami", ssl=console.ssl) as resp:
        assert resp.status == 401 and resp.headers["Cache-Control"] == "no-store"
        _assert_security_headers(resp, server)


@pytest.mark.parametrize(
    "path",
    [
        "/console/static/../app.py",
        "/console/static/%2e%2e/app.py",
        "/console/static/..%2fapp.py",
        "/console/static/%2e%2e%2f%2e%2e%2fserver/app.py",
        "/console/static/vendor/../../../server/app.py",
        "/console/static/vendor/",
        "/console/static/vendor",
        "/console/static/.hidden",
        "/console/static/vendor/xterm/LICENSE",
        "/console/static/%2fetc/passwd",
        "/console/static/..%5c..%5capp.py",
        "/console/%2e%2e/app.py",
    ],
)
async def test_no_traversal_or_listing(server, consoles, path: str) -> None:
    console = consoles(server)
    async with console.http.get(URL(server.url + path, encoded=True), ssl=console.ssl) as resp:
        body = await resp.read()
        assert b"import" not in body and b"root:" not in body and b"<a href" not in body
        if resp.status == 200:  # a dot-segment the client or server resolved to a page: the SPA document
            assert resp.content_type == "text/html" and b"<html" in body.lower()
        else:
            assert resp.status in (400, 404)


# --- the CLI ----------------------------------------------------------------------------------------------------


async def test_cli_sets_the_admin_console_password(server, consoles, tmp_path: Path) -> None:
    import os
    import sys

    creds = server.admin_credentials
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "TETHER_SERVER": server.url,
        "TETHER_ACCESS_KEY_ID": creds.access_key_id,
        "TETHER_ACCESS_KEY_SECRET": creds.access_key_secret,
        "TETHER_CA_CERT": str(creds.ca_cert),
    }
    env.pop("TETHER_PROFILE", None)

    async def run(stdin: bytes) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tether",
            "console",
            "admin-password",
            "--password-stdin",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        _, err = await proc.communicate(stdin)
        return proc.returncode or 0, err.decode()

    code, err = await run(b"short\n")
    assert code != 0 and "InvalidParameter.Password" in err and "8 to 128" in err
    code, err = await run(b"set from the command line\n")
    assert code == 0, err
    assert (await consoles(server).signin("root", "set from the command line"))[0] == 200
