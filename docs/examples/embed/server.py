"""A minimal "own application" that embeds a tether terminal: the backend starts the session, the page attaches.

The browser never holds an access key: this backend signs `StartTerminalSession` with tether's own `ApiClient`
and hands the page only the session's single-use `WebSocketUrl`. The page (index.html + app.js) dials that URL
directly, so the tether server must allow this page's origin: `tether server --console-allowed-origin ORIGIN`.

Run it (see docs/embedding.md):

    TETHER_SERVER=https://tether.example:8443 TETHER_ACCESS_KEY_ID=... TETHER_ACCESS_KEY_SECRET=... \\
    TETHER_CA_CERT=ca.pem python docs/examples/embed/server.py --instance mi-0123456789abcdef0 --listen 127.0.0.1:8080

In a real application, check who your user is and which machine they may reach before calling the API.
"""

from __future__ import annotations

import argparse
import os
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from tether.client.api import ApiClient
from tether.client.errors import ClientError

HERE = Path(__file__).parent
# xterm.js and tether's session module, served from the installed tether package (no copy, no build step).
TETHER_STATIC = resources.files("tether.web") / "static"
FILES = {"index.html": "text/html", "app.js": "text/javascript"}
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css"}
API_KEY = web.AppKey("api", ApiClient)
INSTANCE_KEY = web.AppKey("instance", str)
CSP_KEY = web.AppKey("csp", str)


def page_csp(server: str) -> str:
    """Our page may talk to our backend and to the tether server's data channels, nothing else."""
    host = urlsplit(server).netloc
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"connect-src 'self' wss://{host} ws://{host}; frame-ancestors 'none'"
    )


async def own_file(request: web.Request) -> web.Response:
    name = request.match_info.get("name") or "index.html"
    if name not in FILES:
        raise web.HTTPNotFound()
    return web.Response(body=(HERE / name).read_bytes(), content_type=FILES[name])


async def tether_file(request: web.Request) -> web.Response:
    relative = request.match_info["path"]
    # Only the session module, its codec and the vendored terminal: nothing else of the console is exposed.
    if not relative.startswith(("js/", "vendor/")) or ".." in relative.split("/"):
        raise web.HTTPNotFound()
    target = TETHER_STATIC.joinpath(*relative.split("/"))
    if not target.is_file():
        raise web.HTTPNotFound()
    suffix = Path(relative).suffix
    return web.Response(body=target.read_bytes(), content_type=TYPES.get(suffix, "application/octet-stream"))


async def start(request: web.Request) -> web.Response:
    """Start a shell session on the configured machine and return where the page should connect."""
    api = request.app[API_KEY]
    try:
        reply = await api.call("StartTerminalSession", {"InstanceId": request.app[INSTANCE_KEY]})
    except ClientError as exc:
        return web.json_response({"Message": str(exc)}, status=502)
    return web.json_response({"SessionId": reply["SessionId"], "WebSocketUrl": reply["WebSocketUrl"]})


@web.middleware
async def headers(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    response = await handler(request)
    response.headers["Content-Security-Policy"] = request.app[CSP_KEY]
    response.headers["Cache-Control"] = "no-store"
    return response


def make_app(server: str, key_id: str, secret: str, ca_cert: str | None, instance: str) -> web.Application:
    app = web.Application(middlewares=[headers])
    app[API_KEY] = ApiClient(server, key_id, secret, ca_cert)
    app[INSTANCE_KEY] = instance
    app[CSP_KEY] = page_csp(server)
    app.router.add_get("/", own_file)
    app.router.add_get("/{name}", own_file)
    app.router.add_get("/tether/{path:.+}", tether_file)
    app.router.add_post("/api/start", start)

    async def close_client(app: web.Application) -> None:
        await app[API_KEY].close()

    app.on_cleanup.append(close_client)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", required=True, help="the machine (mi-...) this page opens a terminal on")
    parser.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT to serve the page on")
    args = parser.parse_args()
    needed = ("TETHER_SERVER", "TETHER_ACCESS_KEY_ID", "TETHER_ACCESS_KEY_SECRET")
    missing = [name for name in needed if not os.environ.get(name)]
    if missing:
        parser.error(f"set {', '.join(missing)} (an access key allowed to call ecs:StartTerminalSession)")
    host, _, port = args.listen.rpartition(":")
    app = make_app(
        os.environ["TETHER_SERVER"], os.environ["TETHER_ACCESS_KEY_ID"], os.environ["TETHER_ACCESS_KEY_SECRET"],
        os.environ.get("TETHER_CA_CERT"), args.instance,
    )
    web.run_app(app, host=host or "127.0.0.1", port=int(port), print=lambda *_: None)


if __name__ == "__main__":
    main()
