"""The agent install one-liner: GET /agent/install.json, /agent/install.sh and /agent/tether-VERSION-....whl.

A new machine cannot yet trust the server's private CA, so the command `tether activation create` and the console
print pins the server certificate's public key: `curl --pinnedpubkey 'sha256//...' -k` accepts exactly the key the
server presents and nothing else (the pin stands in for the CA and the host name check; never a bare `curl -k`).
A server whose certificate is publicly trusted (--tls-cert without --tls-ca, or --no-tls behind a proxy) gets a
plain `curl -fsSL`. The pin is of the certificate served now: after a new key (a renewal with a new key, a new
--tls-san) print the command again.

None of the three routes needs a signature, and none takes a secret: install.json says only what the TLS
handshake already shows (the certificate) plus the version; the activation code travels from the operator to the
new machine's command line and from there in the signed registration only. They are read over the TLS session
the reader already holds, so whoever can read install.json authentically (the CLI, which checks the CA; the
console, served over the same connection) gets an authentic pin.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import tether
from tether.server.install_script import render_install_script
from tether.server.tlsfiles import ReloadableTLS
from tether.server.wheel import Wheel, WheelError, build_wheel, wheel_name

__all__ = ["INSTALL_KEY", "InstallSource", "add_routes", "install_command", "public_key_pin"]

log = logging.getLogger(__name__)

INFO_PATH = "/agent/install.json"
SCRIPT_PATH = "/agent/install.sh"
NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class InstallSource:
    """What the installer embeds: where the server is and what a new machine must trust."""

    public_url: str
    tls: ReloadableTLS | None  # None with --no-tls
    ca_cert: Path | None  # the private CA clients trust (None: a publicly trusted certificate)
    _wheel: Wheel | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def pin(self) -> str | None:
        if self.tls is None or self.ca_cert is None:
            return None
        return public_key_pin(self.tls.leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))

    async def wheel(self) -> Wheel:
        """The wheel of the running version, built at the first request (in a thread) and kept."""
        async with self._lock:
            if self._wheel is None:
                self._wheel = await asyncio.to_thread(build_wheel)
                log.info("agent installer: built %s (%d bytes, sha256 %s)", self._wheel.name, len(self._wheel.data),
                         self._wheel.sha256)
            return self._wheel


INSTALL_KEY = web.AppKey("tether_install", InstallSource)


def public_key_pin(spki_der: bytes) -> str:
    """curl's --pinnedpubkey form of a SubjectPublicKeyInfo: sha256// and the base64 of its SHA-256."""
    return "sha256//" + base64.b64encode(hashlib.sha256(spki_der).digest()).decode()


def install_command(public_url: str, pin: str | None) -> str:
    """The command line up to the script's own arguments (`--id ID --code CODE` follow)."""
    url = shlex.quote(f"{public_url.rstrip('/')}{SCRIPT_PATH}")
    if pin:
        return f"curl --pinnedpubkey '{pin}' -k -fsSL {url} | sudo sh -s --"  # base64: no quote inside
    return f"curl -fsSL {url} | sudo sh -s --"


async def install_info(request: web.Request) -> web.Response:
    source = request.app[INSTALL_KEY]
    pin = source.pin()
    return web.json_response(
        {
            "Server": source.public_url,
            "Version": tether.__version__,
            "PublicKeyPin": pin,
            "InstallCommand": install_command(source.public_url, pin),
        },
        headers=NO_STORE,
    )


def _unavailable(exc: WheelError) -> web.Response:
    log.error("agent installer: %s", exc)
    return web.Response(status=503, text=f"the agent installer is not available: {exc}\n", headers=NO_STORE)


async def install_script(request: web.Request) -> web.Response:
    source = request.app[INSTALL_KEY]
    try:
        wheel = await source.wheel()
    except WheelError as exc:
        return _unavailable(exc)
    ca_pem = source.ca_cert.read_text(encoding="ascii") if source.ca_cert is not None else None
    script = render_install_script(
        server=source.public_url.rstrip("/"), version=tether.__version__, wheel=wheel.name,
        wheel_sha256=wheel.sha256, pin=source.pin(), ca_pem=ca_pem,
    )
    return web.Response(text=script, content_type="text/x-shellscript", headers=NO_STORE)


async def wheel_file(request: web.Request) -> web.Response:
    if request.match_info["name"] != wheel_name():
        raise web.HTTPNotFound(text=f"this server offers {wheel_name()}\n")
    try:
        wheel = await request.app[INSTALL_KEY].wheel()
    except WheelError as exc:
        return _unavailable(exc)
    return web.Response(body=wheel.data, content_type="application/octet-stream")


def add_routes(app: web.Application, source: InstallSource) -> None:
    app[INSTALL_KEY] = source
    app.router.add_get(INFO_PATH, install_info)
    app.router.add_get(SCRIPT_PATH, install_script)
    app.router.add_get("/agent/{name:tether-[^/]+\\.whl}", wheel_file)
