"""First start: TLS, administrator credentials, the reported port; --no-tls; restart reuses everything."""

from __future__ import annotations

import json
import logging
import socket
import stat

import aiohttp
import pytest
from support.tls import trusting

from tether.auth.signing import sign_request
from tether.server import parse_listen
from tether.server.listeners import ListenError
from tether.store import Database, SettingsRepo
from tether.store.db import sqlite_url


async def test_first_start_writes_credentials_and_tls(make_server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    server = await make_server()
    data_dir = server.state.config.data_dir
    path = data_dir / "admin-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    creds = json.loads(path.read_text())
    assert set(creds) == {"server", "access_key_id", "access_key_secret", "ca_cert", "ConsolePassword"}
    assert creds["server"] == server.url == f"https://127.0.0.1:{server.port}"
    assert server.port > 0
    assert creds["ca_cert"] == str(data_dir / "tls" / "ca.pem") and (data_dir / "tls" / "ca.pem").exists()
    assert creds["access_key_secret"] == server.admin_credentials.access_key_secret
    assert f"listening on https://127.0.0.1:{server.port}" in caplog.text
    assert str(path) in caplog.text
    assert creds["access_key_secret"] not in caplog.text
    assert creds["access_key_secret"] not in repr(server.admin_credentials)
    assert creds["ConsolePassword"] not in caplog.text
    assert creds["ConsolePassword"] not in repr(server.admin_credentials)

    await server.stop()
    again = await make_server()
    assert again.admin_credentials.access_key_id == creds["access_key_id"]
    assert again.admin_credentials.access_key_secret == creds["access_key_secret"]
    assert json.loads(path.read_text())["server"] == again.url


async def test_no_tls_serves_plain_http(make_server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    server = await make_server(tls=False)
    assert server.url.startswith("http://") and "TLS is off" in caplog.text
    creds = server.admin_credentials
    path = "/api/v1/DescribeInstances"
    headers = sign_request("POST", path, b"{}", creds.access_key_id, creds.access_key_secret)
    async with aiohttp.ClientSession() as http, http.post(server.url + path, data=b"{}", headers=headers) as resp:
        assert resp.status == 200
        assert (await resp.json())["Instances"] == []


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_listen("[::1]:8443") == ("::1", 8443)
    assert parse_listen(":9000") == ("0.0.0.0", 9000)
    for bad in ("nohost", "h:99999", "h:x"):
        with pytest.raises(ValueError):
            parse_listen(bad)


async def _signs_in(server, password: str) -> bool:
    async with aiohttp.ClientSession() as http, http.post(
        server.url + "/console/v1/signin", json={"UserName": "root", "Password": password},
        ssl=trusting(server.admin_credentials.ca_cert),
    ) as resp:
        return resp.status == 200


async def _works(server, creds: dict) -> bool:
    path = "/api/v1/DescribeInstances"
    headers = sign_request("POST", path, b"{}", creds["access_key_id"], creds["access_key_secret"])
    async with aiohttp.ClientSession() as http, http.post(
        server.url + path, data=b"{}", headers=headers, ssl=trusting(server.admin_credentials.ca_cert)
    ) as resp:
        return resp.status == 200


async def test_a_failed_first_start_is_finished_by_the_next(make_server, tmp_path) -> None:
    """Finding 14: a first start that failed after creating the administrator key and console password, but before
    writing admin-credentials.json, left credentials nobody could read; the next start refused to write them."""
    data_dir = tmp_path / "data"
    path = data_dir / "admin-credentials.json"
    with socket.socket() as taken:  # a taken port fails the start before anything is created
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ListenError):
            await make_server(listen_port=taken.getsockname()[1])
    assert not path.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "node-id").mkdir()  # fails the start after the credentials exist (TLS is checked first)
    with pytest.raises(OSError):
        await make_server()
    assert not path.exists()
    db = Database(sqlite_url(data_dir / "tether.db"))
    try:
        assert await SettingsRepo(db).get("admin_access_key_id") is not None  # created, never delivered
    finally:
        await db.dispose()

    (data_dir / "node-id").rmdir()
    server = await make_server()
    creds = json.loads(path.read_text())
    assert creds["access_key_id"] == server.admin_credentials.access_key_id
    assert await _works(server, creds)
    assert await _signs_in(server, creds["ConsolePassword"])
    await server.stop()

    again = await make_server()  # a normal restart changes nothing
    assert {**json.loads(path.read_text()), "server": None} == {**creds, "server": None}
    assert await _signs_in(again, creds["ConsolePassword"])
    await again.stop()
    path.unlink()  # once delivered, a removed file stays removed
    third = await make_server()
    assert not path.exists() and await _works(third, creds)
