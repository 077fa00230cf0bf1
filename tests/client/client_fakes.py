"""A fake tether server for the client tests: real HTTPS API checking signatures, real data channel speaking
`tether.protocol` as the agent would.

It runs in a background thread with its own event loop, so synchronous tests (click's CliRunner, pexpect) and
async tests can all talk to it. Everything it saw is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import WSMsgType, web
from support.tls import serve_app

from tether.auth.signing import AuthError, parse_request, verify_request
from tether.auth.tls import ServerTLS
from tether.protocol import MAX_DATA, MAX_MESSAGE, Ack, Channel, Data, Eof, Error, Exit, Resize, encode

T = TypeVar("T")

KEY_ID = "AKtest0123456789"
KEY_SECRET = "s3cret-value-for-tests-only"
TOKEN = "good-token"


@dataclass
class DataConn:
    """One client data-channel connection as the fake agent sees it."""

    ws: web.WebSocketResponse
    channel: Channel = field(default_factory=Channel)
    received: bytearray = field(default_factory=bytearray)
    resizes: list[tuple[int, int]] = field(default_factory=list)
    acks: list[int] = field(default_factory=list)
    sent: int = 0
    eof: bool = False
    closed: bool = False
    credit_changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_output(self, data: bytes) -> None:
        """Send `data` as DATA, waiting for credit exactly as a real agent must."""
        view = memoryview(data)
        while view:
            while self.channel.credit(0) <= 0:
                self.credit_changed.clear()
                await self.credit_changed.wait()
            chunk = bytes(view[: min(self.channel.credit(0), MAX_DATA)])
            view = view[len(chunk) :]
            for frame in self.channel.send_data(chunk, 0):
                await self.ws.send_bytes(frame)
            self.sent += len(chunk)


class FakeTether:
    """HTTPS on 127.0.0.1: `/api/v1/{Action}` and `/client/v1/data/{id}`; start() in a thread, stop() after."""

    def __init__(self, tls: ServerTLS) -> None:
        self.tls = tls
        self.keys = {KEY_ID: KEY_SECRET}
        self.calls: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.instances = [
            {
                "InstanceId": f"mi-{i:017x}",
                "Hostname": f"host{i}",
                "Status": "Online" if i % 2 == 0 else "Offline",
                "AgentVersion": "0.1.0",
                "LastHeartbeatTime": "2026-11-28T11:40:24Z",
            }
            for i in range(150)
        ]
        self.sessions = [{"SessionId": f"s-{i:04d}", "InstanceId": "mi-1", "State": "Terminated"} for i in range(45)]
        self.echo = True
        self.exit_on_eof: int | None = None
        self.conns: list[DataConn] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()

    # -- life cycle --------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def data_url(self) -> str:
        return f"wss://127.0.0.1:{self.port}/client/v1/data/s-test?token={TOKEN}"

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            loop = self._loop
            assert loop is not None
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start())
                ready.set()
                loop.run_forever()
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)

    async def _start(self) -> None:
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post("/api/v1/{action}", self._api)
        app.router.add_get("/client/v1/data/{session_id}", self._data)
        self._runner, self.port = await serve_app(app, tls=self.tls, handle_signals=False)

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shutdown() -> None:
            for conn in self.conns:
                await conn.ws.close()
            assert self._runner is not None
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(10)

    def run(self, factory: Callable[[], Awaitable[T]], timeout: float = 10) -> T:
        """Run a coroutine on the server's loop from the test thread."""
        assert self._loop is not None

        async def wrapper() -> T:
            return await factory()

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(timeout)

    def wait_connected(self, timeout: float = 10) -> DataConn:
        assert self._connected.wait(timeout), "the client never opened the data channel"
        return self.conns[-1]

    # -- data channel ------------------------------------------------------------------------------------------

    def send(self, conn: DataConn, frame: object) -> None:
        self.run(lambda: conn.ws.send_bytes(encode(frame)))  # type: ignore[arg-type]

    def send_output(self, conn: DataConn, data: bytes, timeout: float = 10) -> None:
        self.run(lambda: conn.send_output(data), timeout)

    def start_output(self, conn: DataConn, data: bytes) -> None:
        """Send `data` in the background (a flood the test does not wait for)."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(conn.send_output(data), self._loop)

    def exit(self, conn: DataConn, status: int) -> None:
        self.send(conn, Exit(status))
        self.run(conn.ws.close)

    def error(self, conn: DataConn, code: str, message: str) -> None:
        self.send(conn, Error(code, message))
        self.run(conn.ws.close)

    async def _data(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("token") != TOKEN:
            return web.json_response({"Code": "InvalidToken", "Message": "bad token"}, status=401)
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE + 1)  # aiohttp's limit is exclusive
        await ws.prepare(request)
        conn = DataConn(ws)
        self.conns.append(conn)
        await ws.send_bytes(conn.channel.hello())
        self._connected.set()
        async for message in ws:
            if message.type is not WSMsgType.BINARY:
                break
            frame = conn.channel.receive(message.data)
            if isinstance(frame, Resize):
                conn.resizes.append((frame.cols, frame.rows))
            elif isinstance(frame, Data):
                conn.received += frame.data
                ack = conn.channel.consumed(len(frame.data), 0)
                if ack is not None:
                    await ws.send_bytes(ack)
                if self.echo:
                    await conn.send_output(frame.data)
            elif isinstance(frame, Ack):
                conn.acks.append(frame.offset)
                conn.credit_changed.set()
            elif isinstance(frame, Eof):
                conn.eof = True
                if self.exit_on_eof is not None:
                    await ws.send_bytes(encode(Exit(self.exit_on_eof)))
                    await ws.close()
        conn.closed = True
        return ws

    # -- API ---------------------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        body = await request.read()
        request_id = f"req-{len(self.calls)}"

        def error(code: str, message: str, status: int) -> web.Response:
            return web.json_response({"Code": code, "Message": message, "RequestId": request_id}, status=status)

        try:
            signed = parse_request("POST", request.path, request.headers, body)
            secret = self.keys.get(signed.key_id)
            if secret is None:
                raise AuthError("InvalidAccessKeyId.NotFound", "The access key id does not exist.", 401)
            verify_request(signed, secret)
        except AuthError as exc:
            return error(exc.code, exc.message, exc.status)
        params = json.loads(body) if body else {}
        self.calls.append((action, params, dict(request.headers)))
        handler = getattr(self, f"_do_{action}", None)
        if handler is None:
            return error("InvalidAction.NotFound", f"no action {action}", 404)
        result = handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({**result, "RequestId": request_id})

    def _do_DescribeInstances(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        # both styles of the real server (tether/server/api/instances.py): keyset with MaxResults/NextToken (at
        # most 100 a page, no count), or PageNumber/PageSize with TotalCount
        if "MaxResults" in params or "NextToken" in params:
            size = params.get("MaxResults") or params.get("PageSize", 10)
            if not isinstance(size, int) or not 1 <= size <= 100:
                return _bad("MaxResults must be 1..100")
            start = 0
            if params.get("NextToken"):
                token = str(params["NextToken"])
                if not token.startswith("after:"):
                    return _bad("The parameter NextToken is invalid.")
                ids = [i["InstanceId"] for i in self.instances]
                start = ids.index(token.removeprefix("after:")) + 1
            items = self.instances[start : start + size]
            result: dict[str, Any] = {"Instances": items, "MaxResults": size}
            if start + size < len(self.instances):
                result["NextToken"] = "after:" + items[-1]["InstanceId"]
            return result
        page, size = params.get("PageNumber", 1), params.get("PageSize", 10)
        items = self.instances[(page - 1) * size : page * size]
        return {"Instances": items, "TotalCount": len(self.instances), "PageNumber": page, "PageSize": size}

    def _do_StartTerminalSession(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        if params.get("InstanceId") in ("mi-offline", "mi-0ff"):  # the CLI takes only mi-HEX as an id
            return web.json_response(
                {"Code": "InvalidInstance.Offline", "Message": "The instance is offline.", "RequestId": "r-off"},
                status=409,
            )
        return {"SessionId": "s-test", "WebSocketUrl": self.data_url, "Expiration": "2026-11-28T11:50:24Z"}

    def _do_CreateActivation(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ActivationId": "act-0001", "ActivationCode": "code-shown-once"}

    def _do_DescribeActivations(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [{"ActivationId": "act-0001", "Description": "d", "InstanceCount": 10, "RegisteredCount": 2}]
        return {"Activations": items if params.get("PageNumber", 1) == 1 else [], "TotalCount": 1}

    def _do_DeleteActivation(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _do_EndTerminalSession(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _do_DescribeTerminalSessions(self, params: dict[str, Any]) -> dict[str, Any]:
        start = int(params.get("NextToken") or 0)
        size = params.get("MaxResults", 20)
        items = [s for s in self.sessions if params.get("State") in (None, s["State"])][start : start + size]
        result: dict[str, Any] = {"Sessions": items}
        if start + size < len(self.sessions):
            result["NextToken"] = str(start + size)
        return result


def write_credentials(path: Path, fake: FakeTether) -> Path:
    """An admin-credentials.json as the server writes it."""
    path.write_text(
        json.dumps(
            {
                "server": fake.url,
                "access_key_id": KEY_ID,
                "access_key_secret": KEY_SECRET,
                "ca_cert": str(fake.tls.ca_cert),
            }
        )
    )
    return path


def untrusted_context() -> ssl.SSLContext:
    """A client context that trusts nothing of ours (the system store only)."""
    return ssl.create_default_context()


def _bad(message: str) -> web.Response:
    return web.json_response({"Code": "InvalidParameter", "Message": message, "RequestId": "r-bad"}, status=400)
