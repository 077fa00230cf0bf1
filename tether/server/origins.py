"""Which browser origins may talk to this server: its own, plus (for session WebSockets) a configured allow-list.

Browsers send `Origin` on every POST and every WebSocket handshake, and a page cannot forge it, so comparing it with
the origin the browser used to reach us stops other sites from driving a signed-in console (cross-site request
forgery) or from opening a session URL that leaked to them. Programs that send no `Origin` (the CLI, agents) are
not browsers and are not affected. `null` (sandboxed frames, `file://` pages) is never accepted.

Our own origin is the configured public URL (`--public-url`, else the listening address) and nothing else. The
request's `Host` header is not a witness: a page of a name the attacker controls that resolves to this server
(DNS rebinding) sends its own name as both `Host` and `Origin`, which would match. A server reached under another
name than its public URL must be told that name with `--public-url`. The one extra spelling accepted is
`localhost` for a public URL on a loopback address (no other site can send that origin).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from tether.server.config import parse_origin
from tether.server.state import ServerState


def _normalized(value: str) -> str | None:
    try:
        return parse_origin(value)
    except ValueError:
        return None


def own_origins(state: ServerState) -> set[str]:
    """The origins a same-origin request to this server comes from: the public URL's (never the `Host` header)."""
    public = _normalized(state.public_url)
    if public is None:
        return set()
    origins = {public}
    parts = urlsplit(public)
    if parts.hostname in ("127.0.0.1", "::1"):
        origins.add(f"{parts.scheme}://localhost" + (f":{parts.port}" if parts.port else ""))
    return origins


def origin_allowed(request: web.Request, state: ServerState, *, allow_list: bool) -> bool:
    """True if the request has no `Origin` header, or it is our own origin (or, with `allow_list`, a configured one).

    The allow-list is only for session WebSockets (`--console-allowed-origin`): it never opens the console's own
    cookie-authenticated endpoints to other sites.
    """
    header = request.headers.get("Origin")
    if header is None:
        return True
    origin = _normalized(header)
    if origin is None:
        return False
    if origin in own_origins(state):
        return True
    return allow_list and origin in state.config.console_allowed_origins
