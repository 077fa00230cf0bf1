"""Console sign-in: password checks, and guessing slowed per user and per source IP."""

from __future__ import annotations

import aiohttp
from support.wait import eventually

from tether.server.ratelimit import SignInLimiter


async def _signin(api, user: str, password: str) -> tuple[int, dict, dict]:
    async with api.http.post(
        api.server.url + "/console/v1/signin", json={"UserName": user, "Password": password}, ssl=api.ssl
    ) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def test_signin_and_per_user_slowdown(make_server, api_for) -> None:
    server = await make_server(signin_user_free_failures=2, signin_ip_free_failures=50, signin_base_delay=1.0)
    api = api_for(server)
    await api.ok("CreateUser", {"UserName": "ann"})
    await api.ok("CreateLoginProfile", {"UserName": "ann", "Password": "open sesame 123"})
    status, body, _ = await _signin(api, "ann", "open sesame 123")
    assert status == 200 and body["UserName"] == "ann" and body["Arn"].endswith(":user/ann")
    assert (await api.ok("GetUser", {"UserName": "ann"}))["User"]["LastLoginDate"]

    for _ in range(2):
        status, body, _ = await _signin(api, "ann", "wrong password")
        assert (status, body["Code"]) == (401, "InvalidCredentials")
    status, body, headers = await _signin(api, "ann", "open sesame 123")  # even the right password waits
    assert (status, body["Code"]) == (429, "Throttling.SignIn") and headers["Retry-After"] == "1"
    status, body, _ = await _signin(api, "bob", "whatever-else")  # other users are not affected
    assert (status, body["Code"]) == (401, "InvalidCredentials")

    async def signed_in() -> bool:  # refused attempts while waiting are not counted: asking again is harmless
        return (await _signin(api, "ann", "open sesame 123"))[0] == 200

    await eventually(signed_in, what="the slowdown to pass", timeout=1.1)

    status, body, _ = await _signin(api, "root", "anything at all")
    assert (status, body["Code"]) == (401, "InvalidCredentials")
    async with api.http.post(server.url + "/console/v1/signin", json={"UserName": "ann"}, ssl=api.ssl) as resp:
        assert resp.status == 400 and (await resp.json())["Code"] == "MissingParameter"

    events = (await api.ok("LookupEvents", {"EventName": "ConsoleSignin", "MaxResults": 100}))["Events"]
    assert {e["Result"] for e in events} == {"Success", "InvalidCredentials", "Throttling.SignIn", "MissingParameter"}
    assert all("sesame" not in str(e) for e in events)


async def test_per_ip_slowdown(make_server, api_for) -> None:
    server = await make_server(signin_user_free_failures=50, signin_ip_free_failures=3)
    api = api_for(server)
    for name in ("u1", "u2", "u3"):
        status, body, _ = await _signin(api, name, "guess-guess")
        assert status == 401
    status, body, headers = await _signin(api, "u4", "guess-guess")
    assert (status, body["Code"]) == (429, "Throttling.SignIn") and int(headers["Retry-After"]) >= 1


def test_limiter_backs_off_exponentially_and_forgets() -> None:
    now = [0.0]
    limiter = SignInLimiter(user_free_failures=1, ip_free_failures=100, window=60, base_delay=2, max_delay=10,
                            max_entries=2, clock=lambda: now[0])
    assert limiter.begin("a", "ip") == 0  # failure 1
    assert limiter.begin("a", "ip") == 2  # must wait 2 s
    now[0] = 2.0
    assert limiter.begin("a", "ip") == 0  # failure 2
    assert limiter.begin("a", "ip") == 4
    now[0] = 6.0
    assert limiter.begin("a", "ip") == 0  # failure 3
    assert limiter.begin("a", "ip") == 8
    limiter.succeeded("a", "ip")
    assert limiter.begin("a", "ip") == 0
    for name in ("b", "c", "d"):
        limiter.begin(name, "ip")
    assert len(limiter.pairs) == 2  # bounded memory
    now[0] = 1000.0
    assert limiter.begin("b", "ip2") == 0  # old failures are forgotten after the window


async def _signin_from(server, api, source: str, user: str, password: str) -> tuple[int, dict]:
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector) as http, http.post(
        server.url + "/console/v1/signin", json={"UserName": user, "Password": password}, ssl=api.ssl
    ) as resp:
        return resp.status, await resp.json()


async def test_guessing_elsewhere_cannot_lock_the_owner_out(make_server, api_for) -> None:
    server = await make_server(signin_user_free_failures=3, signin_ip_free_failures=6)
    api = api_for(server)
    root_password = server.admin_credentials.console_password
    codes = [(await _signin_from(server, api, "127.0.0.2", "root", "guess number x"))[1]["Code"] for _ in range(9)]
    assert codes[:3] == ["InvalidCredentials"] * 3 and codes[3] == "Throttling.SignIn", codes
    status, body = await _signin_from(server, api, "127.0.0.2", "root", root_password)
    assert (status, body["Code"]) == (429, "Throttling.SignIn")  # the guesser's address waits, right or wrong
    status, body = await _signin_from(server, api, "127.0.0.1", "root", root_password)
    assert status == 200 and body["UserName"] == "root", body  # the owner, elsewhere, is not locked out

    events = (await api.ok("LookupEvents", {"EventName": "ConsoleSigninLockout", "MaxResults": 10}))["Events"]
    assert len(events) == 1, events
    assert events[0]["SourceIpAddress"] == "127.0.0.2" and events[0]["Result"] == "Throttling.SignIn"


async def test_address_budget_covers_many_user_names(make_server, api_for) -> None:
    server = await make_server(signin_user_free_failures=50, signin_ip_free_failures=2)
    api = api_for(server)
    for name in ("u1", "u2"):
        assert (await _signin_from(server, api, "127.0.0.3", name, "guess-guess"))[0] == 401
    assert (await _signin_from(server, api, "127.0.0.3", "u3", "guess-guess"))[1]["Code"] == "Throttling.SignIn"
    assert (await _signin_from(server, api, "127.0.0.1", "u3", "guess-guess"))[1]["Code"] == "InvalidCredentials"
    events = (await api.ok("LookupEvents", {"EventName": "ConsoleSigninLockout", "MaxResults": 10}))["Events"]
    assert [e["SourceIpAddress"] for e in events] == ["127.0.0.3"]
