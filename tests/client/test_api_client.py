"""ApiClient against a real local HTTPS server that checks signatures with tether.auth.signing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.ports import free_port
from support.tls import serve_app

from tether.auth.tls import ServerTLS, ensure_server_tls
from tether.client.api import ApiClient, Paging, PagingStyle, page_items
from tether.client.errors import ApiError, ConfigError, ConnectionFailure

from .client_fakes import KEY_ID, KEY_SECRET, FakeTether


async def test_signed_call_succeeds(fake: FakeTether, tls: ServerTLS) -> None:
    async with ApiClient(fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        result = await api.call("DescribeInstances", {"PageSize": 5, "Note": "ünïcode"})
    assert len(result["Instances"]) == 5
    assert result["RequestId"]
    action, body, headers = fake.calls[-1]
    assert (action, body["Note"]) == ("DescribeInstances", "ünïcode")
    assert headers["Authorization"].startswith(f"TETHER-HMAC-SHA256 Credential={KEY_ID}, Signature=")


async def test_security_token_header(fake: FakeTether, tls: ServerTLS) -> None:
    async with ApiClient(fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert, security_token="sts-tok") as api:
        await api.call("DeleteActivation", {"ActivationId": "act-1"})
    assert fake.calls[-1][2]["X-Tether-Security-Token"] == "sts-tok"


@pytest.mark.parametrize(
    ("key_id", "secret", "code", "hint"),
    [
        ("AKunknown", KEY_SECRET, "InvalidAccessKeyId.NotFound", "--access-key-id"),
        (KEY_ID, "wrong-secret", "SignatureDoesNotMatch", "--access-key-secret"),
    ],
)
async def test_bad_credentials(
    fake: FakeTether, tls: ServerTLS, key_id: str, secret: str, code: str, hint: str
) -> None:
    async with ApiClient(fake.url, key_id, secret, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ApiError) as info:
            await api.call("DescribeInstances", {})
    error = info.value
    assert (error.code, error.status) == (code, 401)
    assert error.request_id
    text = str(error)
    assert text.startswith(code) and hint in text and "\n" not in text
    assert "wrong-secret" not in text and KEY_SECRET not in text


async def test_api_error_offline_instance(fake: FakeTether, tls: ServerTLS) -> None:
    async with ApiClient(fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ApiError) as info:
            await api.call("StartTerminalSession", {"InstanceId": "mi-offline"})
    assert info.value.code == "InvalidInstance.Offline"
    assert info.value.status == 409
    assert "agent is not connected" in str(info.value)
    assert "(request r-off)" in str(info.value)


async def test_unknown_action(fake: FakeTether, tls: ServerTLS) -> None:
    async with ApiClient(fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ApiError, match=r"InvalidAction.NotFound"):
            await api.call("NoSuchAction", {})


async def test_connection_refused() -> None:
    port = free_port()
    async with ApiClient(f"https://127.0.0.1:{port}", KEY_ID, KEY_SECRET) as api:
        with pytest.raises(ConnectionFailure) as info:
            await api.call("DescribeInstances", {})
    assert str(info.value) == f"cannot reach https://127.0.0.1:{port}: connection refused — is the server running?"


async def test_untrusted_certificate(fake: FakeTether) -> None:
    async with ApiClient(fake.url, KEY_ID, KEY_SECRET) as api:  # system store: our CA is unknown
        with pytest.raises(ConnectionFailure) as info:
            await api.call("DescribeInstances", {})
    text = str(info.value)
    assert text.startswith(f"cannot reach {fake.url}: certificate not trusted")
    assert "pass --ca-cert DATA_DIR/tls/ca.pem or set TETHER_CA_CERT" in text
    assert "\n" not in text


async def test_wrong_host_name(tmp_path: Path) -> None:
    from aiohttp import web

    only_localhost = ensure_server_tls(tmp_path / "tls", ["localhost"])
    runner, port = await serve_app(web.Application(), tls=only_localhost)
    try:
        async with ApiClient(f"https://127.0.0.1:{port}", KEY_ID, KEY_SECRET, ca_cert=only_localhost.ca_cert) as api:
            with pytest.raises(ConnectionFailure) as info:
                await api.call("DescribeInstances", {})
    finally:
        await runner.cleanup()
    text = str(info.value)
    assert text.startswith(f"cannot reach https://127.0.0.1:{port}: certificate does not match the host name")


async def test_plain_http_server_is_explained(tls: ServerTLS) -> None:
    from aiohttp import web

    app = web.Application()

    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>hi</html>")

    app.router.add_post("/api/v1/{a}", html)
    runner, port = await serve_app(app)
    try:
        async with ApiClient(f"https://127.0.0.1:{port}", KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
            with pytest.raises(ConnectionFailure, match="TLS handshake failed"):
                await api.call("DescribeInstances", {})
        async with ApiClient(f"http://127.0.0.1:{port}", KEY_ID, KEY_SECRET) as api:
            with pytest.raises(ApiError, match="not a tether API answer"):
                await api.call("DescribeInstances", {})
    finally:
        await runner.cleanup()


async def test_timeout_is_bounded() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts TCP, never speaks TLS
    port = listener.getsockname()[1]
    try:
        async with ApiClient(f"https://127.0.0.1:{port}", KEY_ID, KEY_SECRET, timeout=0.5) as api:
            with pytest.raises(ConnectionFailure, match=r"no answer within 0.5 s"):
                await api.call("DescribeInstances", {})
    finally:
        listener.close()


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an http"):
        ApiClient("ftp://x", "a", "b")
    api = ApiClient("https://x", "a", "b", ca_cert=tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match=r"CA certificate .* not found"):
        api.ssl_context  # noqa: B018
    assert "b" not in repr(ApiClient("https://x", "a", "secret-b")).replace("https", "")


# ------------------------------------------------------------------------------------------------------ paging


class PagingFake(FakeTether):
    """The fake server with a listing per paging style, and listings that misbehave the ways servers can."""

    def __init__(self, tls: ServerTLS) -> None:
        super().__init__(tls)
        self.users = [{"UserName": f"user{i:03d}"} for i in range(230)]
        self.events = [{"EventId": f"e-{i}"} for i in range(7)]

    def _do_ListUsers(self, p: dict[str, Any]) -> dict[str, Any]:
        # Marker/MaxItems in, Marker/IsTruncated out, items wrapped as RAM wraps them.
        start, size = int(p.get("Marker") or 0), p["MaxItems"]
        result: dict[str, Any] = {
            "Users": {"User": self.users[start : start + size]},
            "IsTruncated": start + size < len(self.users),
        }
        if result["IsTruncated"]:
            result["Marker"] = str(start + size)
        return result

    def _do_ListAccessKeys(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"AccessKeys": {"AccessKey": [{"AccessKeyId": "AK1"}, {"AccessKeyId": "AK2"}]}}

    def _do_LookupEvents(self, p: dict[str, Any]) -> dict[str, Any]:
        start, size = int(p.get("NextToken") or 0), p["MaxResults"]
        result: dict[str, Any] = {"Events": self.events[start : start + size]}
        if start + size < len(self.events):
            result["NextToken"] = str(start + size)
        return result

    def _do_GreedyEvents(self, p: dict[str, Any]) -> dict[str, Any]:
        # Answers more than MaxResults asked for, and says more follow.
        return {"Events": self.events, "NextToken": "next"}

    def _do_CyclingTokens(self, p: dict[str, Any]) -> dict[str, Any]:
        # a -> b -> a: the third page would be the second again, for ever.
        return {"Events": [{"Token": p.get("NextToken")}], "NextToken": "b" if p.get("NextToken") == "a" else "a"}

    def _do_StuckMarker(self, p: dict[str, Any]) -> dict[str, Any]:
        # Hands back the very marker it was given.
        return {"Users": {"User": [{"UserName": "same"}]}, "IsTruncated": True, "Marker": p.get("Marker") or "m1"}

    def _do_EndlessTokens(self, p: dict[str, Any]) -> dict[str, Any]:
        # A fresh token every time: only the page bound ends it.
        return {"Events": [{}], "NextToken": f"t{len(self.calls)}"}

    def _do_IgnoresPageNumber(self, p: dict[str, Any]) -> dict[str, Any]:
        # Always the first full page, and a TotalCount it never reaches.
        return {"Things": [{"Id": i} for i in range(p["PageSize"])], "TotalCount": 10**9}

    def _do_NoTotalCount(self, p: dict[str, Any]) -> dict[str, Any]:
        # Full pages until the items run out, without TotalCount: an empty page ends it.
        return {"Things": [{"Id": i} for i in range(2)] if p["PageNumber"] <= 2 else []}


@pytest.fixture
def paging_fake(tls: ServerTLS) -> Iterator[PagingFake]:
    server = PagingFake(tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sent(fake: FakeTether, action: str) -> list[dict[str, Any]]:
    return [body for name, body, _ in fake.calls if name == action]


BY_NUMBER = Paging(PagingStyle.PAGE_NUMBER, ("Instances",))  # DescribeInstances still answers PageNumber


async def test_describe_instances_pages_by_next_token(paging_fake: PagingFake, tls: ServerTLS) -> None:
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("DescribeInstances", {"InstanceName": "web"})
    assert len(listing.items) == 150 and not listing.more
    assert sent(paging_fake, "DescribeInstances") == [
        {"InstanceName": "web", "MaxResults": 100},
        {"InstanceName": "web", "MaxResults": 100, "NextToken": "after:" + listing.items[99]["InstanceId"]},
    ]


async def test_page_number_style_follows_total_count(paging_fake: PagingFake, tls: ServerTLS) -> None:
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("DescribeInstances", {"InstanceName": "web"}, paging=BY_NUMBER)
        pages = [page async for page in api.paginate("DescribeInstances", paging=BY_NUMBER)]
    assert len(listing.items) == 150 and not listing.more
    assert listing.items[0]["InstanceId"] == "mi-00000000000000000"
    assert listing.first["TotalCount"] == 150 and listing.first["RequestId"]
    bodies = sent(paging_fake, "DescribeInstances")
    assert bodies[:2] == [
        {"InstanceName": "web", "PageNumber": 1, "PageSize": 100},
        {"InstanceName": "web", "PageNumber": 2, "PageSize": 100},
    ]
    assert [(len(p.items), p.more) for p in pages] == [(100, True), (50, False)]


async def test_page_number_style_without_total_count(paging_fake: PagingFake, tls: ServerTLS) -> None:
    paging = Paging(PagingStyle.PAGE_NUMBER, ("Things",), page_size=2)
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("NoTotalCount", paging=paging)
    assert len(listing.items) == 4
    assert [b["PageNumber"] for b in sent(paging_fake, "NoTotalCount")] == [1, 2, 3]


async def test_page_number_style_that_never_ends_is_bounded(paging_fake: PagingFake, tls: ServerTLS) -> None:
    paging = Paging(PagingStyle.PAGE_NUMBER, ("Things",), page_size=3)
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ApiError, match=r"still had more after 5 pages") as info:
            await api.collect("IgnoresPageNumber", paging=paging, max_pages=5)
    assert info.value.code == "InvalidResponse"
    assert len(sent(paging_fake, "IgnoresPageNumber")) == 5


async def test_marker_style(paging_fake: PagingFake, tls: ServerTLS) -> None:
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("ListUsers")
        limited = await api.collect("ListUsers", limit=150)
    assert [u["UserName"] for u in listing.items] == [f"user{i:03d}" for i in range(230)]
    assert not listing.more
    bodies = sent(paging_fake, "ListUsers")
    assert bodies[:3] == [{"MaxItems": 100}, {"MaxItems": 100, "Marker": "100"}, {"MaxItems": 100, "Marker": "200"}]
    # With a limit, no more is asked for than will be returned, and `more` says the server had others.
    assert bodies[3:] == [{"MaxItems": 100}, {"MaxItems": 50, "Marker": "100"}]
    assert len(limited.items) == 150 and limited.more


async def test_next_token_style(paging_fake: PagingFake, tls: ServerTLS) -> None:
    small = Paging(PagingStyle.NEXT_TOKEN, ("Events",), page_size=3)
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("LookupEvents", {"EventName": "X"}, paging=small)
        limited = await api.collect("LookupEvents", limit=5, paging=small)
        whole = await api.collect("LookupEvents", limit=7, paging=small)
    assert [e["EventId"] for e in listing.items] == [f"e-{i}" for i in range(7)] and not listing.more
    assert sent(paging_fake, "LookupEvents")[:3] == [
        {"EventName": "X", "MaxResults": 3},
        {"EventName": "X", "MaxResults": 3, "NextToken": "3"},
        {"EventName": "X", "MaxResults": 3, "NextToken": "6"},
    ]
    assert [e["EventId"] for e in limited.items] == [f"e-{i}" for i in range(5)] and limited.more
    assert sent(paging_fake, "LookupEvents")[3:5] == [{"MaxResults": 3}, {"MaxResults": 2, "NextToken": "3"}]
    assert len(whole.items) == 7 and not whole.more


async def test_next_token_style_known_actions(fake: FakeTether, tls: ServerTLS) -> None:
    async with ApiClient(fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("DescribeTerminalSessions", {"State": "Terminated"}, limit=30)
    assert len(listing.items) == 30 and listing.more
    assert sent(fake, "DescribeTerminalSessions") == [{"State": "Terminated", "MaxResults": 30}]


async def test_a_limit_cuts_a_page_that_brings_too_much(paging_fake: PagingFake, tls: ServerTLS) -> None:
    paging = Paging(PagingStyle.NEXT_TOKEN, ("Events",))
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("GreedyEvents", limit=2, paging=paging)
    assert len(listing.items) == 2 and listing.more
    assert sent(paging_fake, "GreedyEvents") == [{"MaxResults": 2}]


async def test_single_answer_style_sends_no_paging_parameters(paging_fake: PagingFake, tls: ServerTLS) -> None:
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        listing = await api.collect("ListAccessKeys", {"UserName": "bob"})
    assert [k["AccessKeyId"] for k in listing.items] == ["AK1", "AK2"] and not listing.more
    assert listing.first["RequestId"]
    assert sent(paging_fake, "ListAccessKeys") == [{"UserName": "bob"}]


@pytest.mark.parametrize(
    ("action", "style", "items", "calls"),
    [
        ("CyclingTokens", PagingStyle.NEXT_TOKEN, ("Events",), 3),  # a, b, then a again
        ("StuckMarker", PagingStyle.MARKER, ("Users", "User"), 2),  # m1, then m1 again
    ],
)
async def test_a_repeated_page_token_stops_the_listing(
    paging_fake: PagingFake, tls: ServerTLS, action: str, style: PagingStyle, items: tuple[str, ...], calls: int
) -> None:
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ApiError, match=r"a second time") as info:
            await api.collect(action, paging=Paging(style, items))
    assert info.value.code == "InvalidResponse" and info.value.request_id
    assert "\n" not in str(info.value)
    assert len(sent(paging_fake, action)) == calls


async def test_fresh_tokens_for_ever_are_bounded(paging_fake: PagingFake, tls: ServerTLS) -> None:
    paging = Paging(PagingStyle.NEXT_TOKEN, ("Events",))
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ApiError, match=r"still had more after 4 pages"):
            await api.collect("EndlessTokens", paging=paging, max_pages=4)
    assert len(sent(paging_fake, "EndlessTokens")) == 4


async def test_an_action_without_known_paging_is_refused(paging_fake: PagingFake, tls: ServerTLS) -> None:
    async with ApiClient(paging_fake.url, KEY_ID, KEY_SECRET, ca_cert=tls.ca_cert) as api:
        with pytest.raises(ConfigError, match=r"NoSuchListing is not a listing"):
            await api.collect("NoSuchListing")
    assert paging_fake.calls == []


def test_page_items_reads_wrapped_and_bare_lists() -> None:
    assert page_items({"Users": {"User": [{"a": 1}, "junk"]}}, ("Users", "User")) == [{"a": 1}]
    assert page_items({"Users": [{"a": 1}]}, ("Users", "User")) == [{"a": 1}]
    assert page_items({"Users": None}, ("Users", "User")) == []
    assert page_items({}, ("Events",)) == []
