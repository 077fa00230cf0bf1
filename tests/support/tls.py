"""TLS for tests: a CA and server certificate for loopback, a client context that trusts a test CA, and an aiohttp
app served on a loopback port (with TLS or without)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from aiohttp import web

from tether.auth.tls import ServerTLS, client_ssl_context, ensure_server_tls, server_ssl_context

from .ports import LOOPBACK

LOOPBACK_NAMES = ["127.0.0.1", "localhost"]


def loopback_tls(directory: Path) -> ServerTLS:
    """A CA and a server certificate for 127.0.0.1 and localhost in `directory` (made once, reused after)."""
    return ensure_server_tls(directory, LOOPBACK_NAMES)


def trusting(ca_cert: Path | str | None) -> ssl.SSLContext | None:
    """A client context trusting only this CA, as the CLI builds it; None (plain HTTP) when there is no CA."""
    return client_ssl_context(ca_cert) if ca_cert else None


async def serve_app(
    app: web.Application, *, tls: ServerTLS | None = None, **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Serve `app` on a free loopback port (HTTPS with `tls`); returns the runner (`await runner.cleanup()` when
    done) and the port."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, 0, ssl_context=server_ssl_context(tls) if tls is not None else None)
    await site.start()
    return runner, int(runner.addresses[0][1])
