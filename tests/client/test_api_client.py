"""ApiClient against a real local HTTPS server that checks signatures with tether.auth.signing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from client_fakes import KEY_ID, KEY_SECRET, FakeTether

from tether.auth.tls import ServerTLS, ensure_server_tls, server_ssl_context
from tether.client.api import ApiClient
from tether.client.errors import ApiError, ConfigError, ConnectionFailure


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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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
    runner = web.AppRunner(web.Application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl_context(only_localhost))
    await site.start()
    port = runner.addresses[0][1]
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
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
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
