"""Agent keys, tokens, the secret box and TLS material."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest

from tether.auth.agentkey import (
    fingerprint,
    generate_key,
    load_key,
    parse_public_key,
    public_key_text,
    save_key,
    sign_challenge,
    verify_challenge,
)
from tether.auth.secretbox import SecretBox
from tether.auth.tls import client_ssl_context, ensure_server_tls, server_ssl_context
from tether.auth.tokens import hash_token, new_id, new_token, token_matches


def test_key_save_load_and_mode(tmp_path: Path) -> None:
    key = generate_key()
    path = tmp_path / "agent.key"
    save_key(path, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_text(load_key(path)) == public_key_text(key)
    assert fingerprint(key).startswith("SHA256:")


def test_challenge_is_bound_to_nonce_instance_and_key() -> None:
    key, other = generate_key(), generate_key()
    sig = sign_challenge(key, b"nonce", "mi-1")
    assert verify_challenge(public_key_text(key), b"nonce", "mi-1", sig)
    assert not verify_challenge(public_key_text(key), b"nonce2", "mi-1", sig)
    assert not verify_challenge(public_key_text(key), b"nonce", "mi-2", sig)
    assert not verify_challenge(public_key_text(other), b"nonce", "mi-1", sig)
    assert not verify_challenge(public_key_text(key), b"nonce", "mi-1", "!!not base64")
    assert not verify_challenge("short", b"nonce", "mi-1", sig)


def test_parse_public_key_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_public_key("AAAA")


def test_tokens() -> None:
    token = new_token("t-")
    assert token.startswith("t-") and len(token) > 40
    assert token_matches(token, hash_token(token))
    assert not token_matches(token + "x", hash_token(token))
    assert new_token() != new_token()
    ident = new_id("mi")
    assert ident.startswith("mi-") and len(ident) == 20


def test_secret_box_round_trip_and_tamper(tmp_path: Path) -> None:
    box = SecretBox.load_or_create(tmp_path / "secret.key")
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    sealed = box.encrypt("hunter2")
    assert "hunter2" not in sealed
    assert SecretBox.load_or_create(tmp_path / "secret.key").decrypt(sealed) == "hunter2"
    with pytest.raises(ValueError):
        box.decrypt(sealed[:-4] + "AAAA")
    with pytest.raises(ValueError):
        SecretBox.load_or_create(tmp_path / "other.key").decrypt(sealed)


def test_tls_material_is_created_once_and_reissued_for_new_names(tmp_path: Path) -> None:
    first = ensure_server_tls(tmp_path, ["localhost", "127.0.0.1"])
    ca_before = first.ca_cert.read_bytes()
    cert_before = first.cert.read_bytes()
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600
    again = ensure_server_tls(tmp_path, ["localhost", "127.0.0.1"])
    assert again.cert.read_bytes() == cert_before
    renamed = ensure_server_tls(tmp_path, ["localhost", "127.0.0.1", "relay.example"])
    assert renamed.ca_cert.read_bytes() == ca_before
    assert renamed.cert.read_bytes() != cert_before
    assert isinstance(server_ssl_context(renamed), ssl.SSLContext)
    assert client_ssl_context(renamed.ca_cert).verify_mode == ssl.CERT_REQUIRED


async def test_tls_handshake_with_pinned_ca(tmp_path: Path) -> None:
    import asyncio

    tls = ensure_server_tls(tmp_path, ["localhost", "127.0.0.1"])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hi")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ssl_context(tls))
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_ssl_context(tls.ca_cert))
    assert await reader.read() == b"hi"
    writer.close()
    other = ensure_server_tls(tmp_path / "other", ["localhost"])
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection("127.0.0.1", port, ssl=client_ssl_context(other.ca_cert))
    server.close()
    await server.wait_closed()
