"""The installer routes on a real server: install.json's pin is the key the TLS handshake shows, install.sh is valid
sh that embeds that pin, the CA and the wheel's checksum, and the wheel served is the one the script names."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import subprocess
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import tether
from tether.server.install import install_command, public_key_pin
from tether.server.wheel import build_wheel, wheel_name


async def _get(api, path: str) -> tuple[int, bytes, dict[str, str]]:
    async with api.http.get(api.server.url + path, ssl=api.ssl) as resp:
        return resp.status, await resp.read(), dict(resp.headers)


async def _served_pin(api) -> str:
    host, port = api.server.url.removeprefix("https://").rsplit(":", 1)
    _reader, writer = await asyncio.open_connection(host, int(port), ssl=api.ssl)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    key = x509.load_der_x509_certificate(der).public_key()
    return public_key_pin(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


async def test_install_json_pins_the_key_the_handshake_shows(api) -> None:
    status, body, headers = await _get(api, "/agent/install.json")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    info = json.loads(body)
    pin = await _served_pin(api)
    assert info["PublicKeyPin"] == pin
    assert info["Version"] == tether.__version__
    assert info["InstallCommand"] == install_command(api.server.url, pin)
    assert info["InstallCommand"].startswith(f"curl --pinnedpubkey '{pin}' -k -fsSL ")


async def test_install_script_embeds_pin_ca_and_checksum_and_parses(api, tmp_path) -> None:
    status, script, headers = await _get(api, "/agent/install.sh")
    assert status == 200 and headers["Content-Type"].startswith("text/x-shellscript")
    text = script.decode()
    assert f"PIN={await _served_pin(api)}" in text or f"PIN='{await _served_pin(api)}'" in text
    assert api.server.admin_credentials.ca_cert is not None
    assert api.server.admin_credentials.ca_cert.read_text().strip().splitlines()[1] in text
    status, wheel, _ = await _get(api, f"/agent/{wheel_name()}")
    assert status == 200
    assert f"WHEEL_SHA256={hashlib.sha256(wheel).hexdigest()}" in text
    path = tmp_path / "install.sh"
    path.write_bytes(script)
    assert subprocess.run(["sh", "-n", str(path)], check=False).returncode == 0
    usage = subprocess.run(["sh", str(path), "--help"], capture_output=True, text=True, check=False)
    assert usage.returncode == 0 and "--id ID" in usage.stdout
    bad = subprocess.run(["sh", str(path), "--code", "x"], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "give the activation id with --id" in bad.stderr


async def test_only_the_running_version_is_offered(api) -> None:
    status, body, _ = await _get(api, "/agent/tether-0.0.1-py3-none-any.whl")
    assert status == 404 and wheel_name().encode() in body


def test_plain_curl_when_the_certificate_is_publicly_trusted() -> None:
    command = install_command("https://t.example/", None)
    assert command == "curl -fsSL https://t.example/agent/install.sh | sudo sh -s --"


def test_wheel_is_deterministic_and_complete() -> None:
    first, second = build_wheel(), build_wheel()
    assert first.sha256 == second.sha256 and first.name == wheel_name()
    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        names = set(archive.namelist())
        info = f"tether-{tether.__version__}.dist-info"
        assert {"tether/__init__.py", "tether/store/migrations/alembic.ini", f"{info}/RECORD"} <= names
        assert not any("__pycache__" in n for n in names)
        metadata = archive.read(f"{info}/METADATA").decode()
        assert f"Version: {tether.__version__}" in metadata and "Requires-Dist: aiohttp" in metadata
        assert "tether = tether.cli:main" in archive.read(f"{info}/entry_points.txt").decode()
        record = archive.read(f"{info}/RECORD").decode().splitlines()
        assert len(record) == len(names)
