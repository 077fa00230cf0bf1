"""Whose address a request has: the peer's, or X-Forwarded-For only from a --trusted-proxy; and the console's
Origin check against the public URL, never the Host header."""

from __future__ import annotations

import json

import pytest

from tether.auth.signing import sign_request
from tether.server.clientaddr import parse_networks, resolve
from tether.server.config import ServerConfig

ALLOW_FROM_TEST_NET = {
    "Effect": "Allow",
    "Action": "ecs:DescribeInstances",
    "Resource": "*",
    "Condition": {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}},
}


async def _call(api, action: str, forwarded_for: str | None) -> tuple[int, dict]:
    path = f"/api/v1/{action}"
    data = b"{}"
    headers = {"Content-Type": "application/json", **sign_request("POST", path, data, api.key_id, api.secret)}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    async with api.http.post(api.server.url + path, data=data, headers=headers, ssl=api.ssl) as resp:
        return resp.status, await resp.json()


async def _source_ips(admin, request_ids: list[str]) -> list[str]:
    events = (await admin.ok("LookupEvents", {"MaxResults": 100}))["Events"]
    by_id = {e["RequestId"]: e["SourceIpAddress"] for e in events}
    return [by_id[r] for r in request_ids]


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(api, make_user) -> None:
    user = await make_user(ALLOW_FROM_TEST_NET)
    status, body = await _call(user, "DescribeInstances", "203.0.113.9")
    assert status == 403, body  # the header is anyone's to send: acs:SourceIp stays the peer's
    assert await _source_ips(api, [body["RequestId"]]) == ["127.0.0.1"]


async def test_forwarded_for_from_a_trusted_proxy(make_server, api_for, make_user) -> None:
    server = await make_server(trusted_proxies=["127.0.0.0/8", "10.9.0.0/16"])
    admin = api_for(server)
    user = await _user_for(admin)
    status, body = await _call(user, "DescribeInstances", "198.51.100.1, 203.0.113.9, 10.9.1.1")
    assert status == 200, body  # right-most untrusted: 203.0.113.9 (10.9.1.1 is another trusted proxy)
    spoofed_status, spoofed = await _call(user, "DescribeInstances", "203.0.113.9, 198.51.100.1")
    assert spoofed_status == 403  # the client put 203.0.113.9 on the left; the proxy saw 198.51.100.1
    assert await _source_ips(admin, [body["RequestId"], spoofed["RequestId"]]) == ["203.0.113.9", "198.51.100.1"]


async def _user_for(admin):
    await admin.ok("CreateUser", {"UserName": "proxied"})
    document = json.dumps({"Version": "1", "Statement": [ALLOW_FROM_TEST_NET]})
    await admin.ok("CreatePolicy", {"PolicyName": "proxied", "PolicyDocument": document})
    await admin.ok("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "proxied", "UserName": "proxied"})
    key = (await admin.ok("CreateAccessKey", {"UserName": "proxied"}))["AccessKey"]
    return admin.with_credentials(key["AccessKeyId"], key["AccessKeySecret"])


async def test_console_origin_is_the_public_url_not_the_host_header(api) -> None:
    port = api.server.port
    rebound = f"https://attacker.example:{port}"  # DNS rebinding: the browser sends the page's name as Host too
    for origin, host, allowed in (
        (rebound, f"attacker.example:{port}", False),
        (api.server.url, f"127.0.0.1:{port}", True),
        (f"https://localhost:{port}", f"localhost:{port}", True),
    ):
        async with api.http.post(
            api.server.url + "/console/v1/signin",
            json={"UserName": "root", "Password": "not the password"},
            headers={"Origin": origin, "Host": host},
            ssl=api.ssl,
        ) as resp:
            code = (await resp.json())["Code"]
        assert (code == "InvalidCredentials") is allowed, (origin, code)
        assert (code == "Console.OriginRefused") is not allowed, (origin, code)


def test_resolve_rules() -> None:
    trusted = parse_networks(["10.0.0.0/8", "::1"])
    assert resolve("10.1.1.1", ["1.2.3.4"], trusted) == "1.2.3.4"
    assert resolve("10.1.1.1", ["5.5.5.5, 1.2.3.4", "10.2.2.2"], trusted) == "1.2.3.4"
    assert resolve("8.8.8.8", ["1.2.3.4"], trusted) == "8.8.8.8"  # not a trusted peer
    assert resolve("::1", ["[2001:db8::1]:443"], trusted) == "2001:db8::1"
    assert resolve("10.1.1.1", ["garbage, 10.3.3.3"], trusted) == "10.3.3.3"  # stops at what it cannot read
    assert resolve("10.1.1.1", ["10.4.4.4"], trusted) == "10.4.4.4"  # all trusted: the left-most
    assert resolve("::ffff:10.1.1.1", ["1.2.3.4"], trusted) == "1.2.3.4"
    assert resolve("10.1.1.1", [], trusted) == "10.1.1.1"
    assert resolve("10.1.1.1", ["1.2.3.4"], []) == "10.1.1.1"


def test_bad_trusted_proxy_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="is not an IP address or network"):
        ServerConfig(data_dir=tmp_path, trusted_proxies=["proxy.local"])
