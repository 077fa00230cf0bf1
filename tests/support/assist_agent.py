"""A Cloud Assistant agent (`aliyun-service`) written from the observed facts, to drive tether's `/luban/` side.

It does what the real agent does on the wire (/work/shared/alibaba/README.md section 4): registers with an RSA-2048
key (`publicKey` = base64 of the PEM), signs every request and handshake, heart-beats, holds `notify_server` and
answers `kick_vm session start|stop <channelId>` with `accept:...`, fetches `session/list`, dials
`session/backend` and speaks its 60-byte frames, then reports `session/status` and drops the socket. Like the real
agent it starts its PTY or TCP connection `start_delay` (1 s) after its socket is up and drops input that arrives
before, reports no exit status, ignores message type 3, cannot tell its server that a target closed. With `pace`
(off by default; for the bench) it paces output the way the real agent does at its default 200 kbit/s, about 1 KiB
per 40 ms, whatever the entry's `flowLimit` says (tether's entries ask the real agent for no pacing).

Shells run as the user running this process (the real agent runs `ecs-assist-user` or the entry's `username`):
tests need no account created. In-process: `AssistAgent(...).register(...)` then `await agent.run()`. As a program
(for the bench): `python3 -m support.assist_agent register|run ...` with `tests` on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import pty
import signal
import ssl
import struct
import sys
import termios
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tether.auth.assist import public_key_text, sign_headers
from tether.protocol.axt import MessageType
from tether.protocol.axt import agent as axt

VERSION = "2.1.3.578"  # what it reports as its agentVersion
PACE_CHUNK, PACE_INTERVAL = 1024, 0.040  # the real agent's own output pacing
CHUNK = 64 * 1024  # unpaced reads


class AssistAgent:
    def __init__(
        self,
        server: str,
        state_dir: Path,
        *,
        ca_cert: str | None = None,
        pace: bool = False,
        start_delay: float = 1.0,
        version: str = VERSION,
    ) -> None:
        self.server = server  # HOST:PORT, as in ALIYUN_ASSIST_SERVER_HOST
        self.state_dir = state_dir
        self.ssl = ssl.create_default_context(cafile=ca_cert)
        self.pace = pace
        self.start_delay = start_delay
        self.version = version
        self.sessions: dict[str, asyncio.Task[None]] = {}
        self.kicks: list[str] = []  # every kick received, for tests
        self.statuses: list[tuple[str, str, str]] = []  # (channel, status, errorcode) reported
        self.connected = asyncio.Event()
        self.fail_shells_with = ""  # set: a shell channel fails like the agent's would (e.g. Open_pty_failed)
        self.empty_inputs = 0  # empty Input frames received (the server's keep-alive)

    # -- state -----------------------------------------------------------------------------------------------------

    @property
    def hybrid(self) -> Path:
        return self.state_dir / "hybrid"

    @property
    def instance_id(self) -> str:
        return (self.hybrid / "instance-id").read_text()

    @property
    def machine_id(self) -> str:
        return (self.hybrid / "machine-id").read_text()

    def key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key((self.hybrid / "pri-key").read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def headers(self, **overrides: Any) -> dict[str, str]:
        return sign_headers(self.key(), self.instance_id, self.machine_id, **overrides)

    def url(self, path: str, scheme: str = "https") -> str:
        return f"{scheme}://{self.server}{path}"

    # -- HTTP ------------------------------------------------------------------------------------------------------

    async def register(self, region: str, activation_id: str, activation_code: str) -> dict[str, Any]:
        """`aliyun-service --register`: returns the server's answer; stores the key and instance id on success."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        machine_id = uuid.uuid4().hex
        body = {
            "activationCode": activation_code,
            "activationId": activation_id,
            "machineId": machine_id,
            "regionId": region,
            "instanceName": "",
            "hostname": os.uname().nodename,
            "intranetIp": "127.0.0.1",
            "osVersion": f"{os.uname().sysname}_{os.uname().release}",
            "osType": "Linux",
            "agentVersion": self.version,
            "publicKey": public_key_text(key),
            "tag": [],
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.url("/luban/api/instance/register"), json=body, ssl=self.ssl) as resp,
        ):
            answer: dict[str, Any] = await resp.json(content_type=None)
        if answer.get("code") == 200:
            self.hybrid.mkdir(parents=True, exist_ok=True)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
            )
            (self.hybrid / "pri-key").write_bytes(pem)
            os.chmod(self.hybrid / "pri-key", 0o600)
            (self.hybrid / "machine-id").write_text(machine_id)
            (self.hybrid / "instance-id").write_text(answer["instanceId"])
        return answer

    async def call(self, http: aiohttp.ClientSession, method: str, path: str) -> tuple[int, Any]:
        async with http.request(method, self.url(path), headers=self.headers(), ssl=self.ssl) as resp:
            return resp.status, await resp.json(content_type=None)

    # -- running ---------------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Heart-beat and hold the notify socket until cancelled (reconnecting like the real agent)."""
        async with aiohttp.ClientSession() as http:
            beat = asyncio.create_task(self._heartbeats(http))
            try:
                await self._notify(http)
            finally:
                beat.cancel()
                for task in list(self.sessions.values()):
                    task.cancel()
                await asyncio.gather(beat, *self.sessions.values(), return_exceptions=True)

    async def _heartbeats(self, http: aiohttp.ClientSession) -> None:
        while True:
            interval = 60.0
            with contextlib.suppress(aiohttp.ClientError, ValueError):
                status, body = await self.call(http, "GET", f"/luban/api/heart-beat?app_version={self.version}")
                if status == 200 and isinstance(body, dict) and 55000 <= body.get("nextInterval", 0) <= 65000:
                    interval = body["nextInterval"] / 1000
            await asyncio.sleep(interval)

    async def _notify(self, http: aiohttp.ClientSession) -> None:
        delay = 0.2
        while True:
            try:
                async with http.ws_connect(
                    self.url("/luban/notify_server", "wss"), headers=self.headers(), ssl=self.ssl, heartbeat=60
                ) as ws:
                    delay = 0.2
                    self.connected.set()
                    async for msg in ws:
                        if msg.type is aiohttp.WSMsgType.TEXT:
                            await ws.send_str(self._kick(http, msg.data))
            except (aiohttp.ClientError, OSError):
                pass
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _kick(self, http: aiohttp.ClientSession, text: str) -> str:
        self.kicks.append(text)
        parts = text.split()
        if len(parts) == 4 and parts[:2] == ["kick_vm", "session"]:
            action, channel = parts[2], parts[3]
            if action == "start" and channel not in self.sessions:
                task = asyncio.create_task(self._session(http, channel))
                self.sessions[channel] = task
                task.add_done_callback(lambda _t: self.sessions.pop(channel, None))
                return "accept:" + text
            if action == "stop" and channel in self.sessions:
                self.sessions[channel].cancel()
                return "accept:" + text
        return "reject:" + text

    async def report(self, http: aiohttp.ClientSession, channel: str, status: str, errorcode: str) -> None:
        self.statuses.append((channel, status, errorcode))
        with contextlib.suppress(aiohttp.ClientError, ValueError):
            query = f"channelId={channel}&status={status}&errorcode={errorcode}"
            await self.call(http, "POST", f"/luban/api/v1/session/status?{query}")

    async def _session(self, http: aiohttp.ClientSession, channel: str) -> None:
        status, errorcode = "Failed", "Init_channel_failed"
        try:
            code, body = await self.call(http, "POST", f"/luban/api/v1/session/list?channelId={channel}")
            entries = body.get("session") if isinstance(body, dict) else None
            if code != 200 or not entries:
                return
            entry = entries[0]
            try:
                ws = await http.ws_connect(
                    self.url(f"/luban/session/backend?channelId={channel}", "wss"),
                    headers=self.headers(),
                    ssl=self.ssl,
                    max_msg_size=0,
                )
            except aiohttp.ClientError:
                status, errorcode = "Failed", "Open_channel_failed"
                return
            try:
                shell = entry.get("portNumber", "") == ""
                if shell and self.fail_shells_with:
                    status, errorcode = "Failed", self.fail_shells_with
                    return
                runner = Shell(ws, channel, self) if shell else Forward(ws, channel, self, entry)
                status, errorcode = await runner.run()
            except asyncio.CancelledError:
                status, errorcode = "Success", "Notified"
            finally:
                await self.report(http, channel, status, errorcode)
                await ws.close()
        except asyncio.CancelledError:
            pass


class Plugin:
    """What a shell and a port forward share: the back-end socket, its frames, the start delay, pacing."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, channel: str, agent: AssistAgent) -> None:
        self.ws, self.channel, self.agent = ws, channel, agent
        self.sequence = 0
        self.started = False

    async def output(self, data: bytes) -> None:
        await self.ws.send_bytes(axt.encode(MessageType.OUTPUT, self.channel, self.sequence, data))
        self.sequence += 1

    async def pump_out(self, read: Any) -> None:
        """Send what `read(n)` returns until it returns nothing, paced like the agent if asked."""
        size = PACE_CHUNK if self.agent.pace else CHUNK
        while True:
            data = await read(size)
            if not data:
                return
            await self.output(data)
            if self.agent.pace:
                await asyncio.sleep(PACE_INTERVAL)

    async def frames(self) -> Any:
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.BINARY:
                continue
            frame = axt.decode(msg.data)
            if frame.type == MessageType.INPUT and not frame.payload:
                self.agent.empty_inputs += 1
            yield frame


class Shell(Plugin):
    async def run(self) -> tuple[str, str]:
        fd = -1
        size: tuple[int, int] | None = None

        def set_size(cols: int, rows: int) -> None:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        async def inputs() -> None:
            nonlocal size
            async for frame in self.frames():
                if frame.type == MessageType.RESIZE:
                    size = axt.parse_resize(frame.payload)
                    if self.started:
                        set_size(*size)
                elif frame.type == MessageType.INPUT and self.started:  # before the PTY: dropped, as the agent does
                    view = frame.payload
                    while view:
                        try:
                            view = view[os.write(fd, view) :]
                        except BlockingIOError:
                            await asyncio.sleep(0.01)

        reader = asyncio.create_task(inputs())
        try:
            await asyncio.sleep(self.agent.start_delay)
        except asyncio.CancelledError:
            reader.cancel()
            raise
        pid, fd = pty.fork()
        if pid == 0:  # the child: a login-ish bash in the PTY
            os.environ.update({"TERM": "xterm-256color", "LANG": os.environ.get("LANG", "C.UTF-8")})
            with contextlib.suppress(OSError):
                os.execvp("bash", ["bash"])
            os._exit(127)
        os.set_blocking(fd, False)
        loop = asyncio.get_running_loop()
        readable = asyncio.Event()
        loop.add_reader(fd, readable.set)
        if size is not None:
            set_size(*size)
        self.started = True

        async def read(n: int) -> bytes:
            while True:
                try:
                    return os.read(fd, n)
                except BlockingIOError:
                    readable.clear()
                    await readable.wait()
                except OSError:
                    return b""  # EIO: the shell and everything on its terminal are gone

        try:
            await self.pump_out(read)
        finally:
            reader.cancel()
            loop.remove_reader(fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)
            with contextlib.suppress(ChildProcessError):
                await asyncio.to_thread(os.waitpid, pid, 0)
            os.close(fd)
        return "Success", "Ok"


class Forward(Plugin):
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, channel: str, agent: AssistAgent, entry: dict[str, Any]):
        super().__init__(ws, channel, agent)
        self.host = entry.get("targetHost") or "localhost"
        self.port = int(entry["portNumber"])

    async def run(self) -> tuple[str, str]:
        writer: asyncio.StreamWriter | None = None

        async def inputs() -> None:
            async for frame in self.frames():
                if frame.type != MessageType.INPUT or not frame.payload or writer is None or writer.is_closing():
                    continue  # type 3 is ignored; input before the connection is up is dropped, as the agent does
                writer.write(frame.payload)
                await writer.drain()  # back-pressure: the next frame is read once the target took this one

        feeder = asyncio.create_task(inputs())
        try:
            await asyncio.sleep(self.agent.start_delay)
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            feeder.cancel()
            return "Failed", "Open_port_failed"
        except asyncio.CancelledError:
            feeder.cancel()
            raise
        self.started = True
        try:
            await self.pump_out(reader.read)
            # the target closed: the real agent says nothing to its server and waits; so does this one
            await feeder
        finally:
            feeder.cancel()
            writer.close()
        return "Success", "Ok"


async def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="assist_agent", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("register")
    run = sub.add_parser("run")
    for p in (reg, run):
        p.add_argument("--server", required=True, help="HOST:PORT (ALIYUN_ASSIST_SERVER_HOST)")
        p.add_argument("--ca-cert", default=None)
        p.add_argument("--state-dir", required=True, type=Path)
    reg.add_argument("--region", default="cn-hangzhou")
    reg.add_argument("--activation-id", required=True)
    reg.add_argument("--activation-code", required=True)
    run.add_argument("--pace", action="store_true", help="pace output like the real agent (~1 KiB per 40 ms)")
    run.add_argument("--start-delay", type=float, default=1.0)
    args = parser.parse_args(argv)
    agent = AssistAgent(
        args.server,
        args.state_dir,
        ca_cert=args.ca_cert,
        pace=getattr(args, "pace", False),
        start_delay=getattr(args, "start_delay", 1.0),
    )
    if args.command == "register":
        answer = await agent.register(args.region, args.activation_id, args.activation_code)
        print(json.dumps(answer))
        return 0 if answer.get("code") == 200 else 1
    await agent.run()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(_main(sys.argv[1:])))
    except KeyboardInterrupt:
        sys.exit(0)
