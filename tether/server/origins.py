"""Which browser origins may talk to this server: its own, plus (for session WebSockets) a configured allow-list.

Browsers send `Origin` on every POST and every WebSocket handshake, and a page cannot forge it, so comparing it with
the origin the browser used to reach us stops other sites from driving a signed-in console (cross-site request
forgery) or from opening a session URL that leaked to them. Programs that send no `Origin` (the CLI, agents) are
not browsers and are not affected. `null` (sandboxed frames, `file://` pages) is never accepted.

Our own origin is the scheme and `Host` of the request (what the browser saw), or the configured public URL (what
a TLS-terminating proxy in front of us is reached at).
"""

from __future__ import annotations

from aiohttp import web

from tether.server.config import parse_origin
from tether.server.state import ServerState


def _normalized(value: str) -> str | None:
    try:
        return parse_origin(value)
    except ValueError:
        return None


def own_origins(request: web.Request, state: ServerState) -> set[str]:
    """The origins this request could legitimately come from when it is same-origin."""
    origins = set()
    scheme = "https" if request.secure else "http"
    if request.host:
        seen = _normalized(f"{scheme}://{request.host}")
        if seen:
            origins.add(seen)
    if state.public_url:
        public = _normalized(state.public_url)
        if public:
            origins.add(public)
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
    if origin in own_origins(request, state):
        return True
    return allow_list and origin in state.config.console_allowed_origins
