"""Peers that speak Alibaba's session-client framings, for tests and benchmarks: what the real clients do on the wire.

Written from the observed facts (/work/shared/alibaba/README.md sections 2 and 3) and a reading of their sources
(ali-instance-cli's plugin/client.go, portforward.go; cloud-assistant-starter's AxtSession.tsx), in our own code:

- `Cli101`: ali-instance-cli's `session` and ssh (raw) mode: one WebSocket with an empty `X-Acs-Session-Token`
  header, Input/Resize frames with a running sequence number, Output written to `output`, Status 5 ends it, Status
  7 sets its send pacing. In raw mode it keeps only the first input chunk sent before the first Output.
- `Forward101`: its `portforward`: a local listener, one new WebSocket to the same URL per accepted connection,
  waiting `connect_delay` (3 s in the CLI) before it sends, sending at most 2048 bytes per frame with the pacing
  the server set, Close ("1") at the local EOF.
- `Browser102`: the browser client: learns the channel id from the first frame, numbers its Input/Resize frames,
  keeps them until an Output echoes their inputSeq, Syncs on an output gap, resends on the server's Sync, and
  reconnects with `&channelId=`. `drop_output` makes it lose chosen Output frames (a lost frame to recover).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from tether.protocol.axt import ChannelState, MessageType
from tether.protocol.axt.client import (
    Frame101,
    Frame102,
    decode_101,
    decode_102,
    encode_101,
    encode_102,
    parse_status,
    resize_payload,
)

from .wait import GiveUp, eventually

SEND_PACKAGE = 2048  # bytes per frame ali-instance-cli's raw mode reads and sends
DEFAULT_RATE = 200 * 1024  # bits per second it assumes until a Status(Stream) says otherwise


def send_interval(rate: int) -> float:
    """ali-instance-cli's pause between raw-mode sends, in seconds, for a rate in bits per second."""
    per_second = rate // 8 // SEND_PACKAGE
    return (1000 // per_second) / 1000 if per_second else 1.0


async def wait_for_output(output: bytearray, needle: bytes, timeout: float, gone: asyncio.Event) -> bytes:
    """The output once `needle` is in it (fails early, showing its end, if the connection is gone first)."""

    def arrived() -> bool:
        if needle in output:
            return True
        if gone.is_set():
            raise GiveUp(f"the connection closed before {needle!r} arrived; output ends {bytes(output[-500:])!r}")
        return False

    await eventually(arrived, what=f"{needle!r} in the output", timeout=timeout, interval=0.02)
    return bytes(output)


async def _close(ws: aiohttp.ClientWebSocketResponse | None, reader: asyncio.Task[None] | None) -> None:
    """Close a peer's WebSocket and wait for its reader to see the end."""
    if ws is not None:
        await ws.close()
    if reader is not None:
        with contextlib.suppress(Exception):
            await reader


def _ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Ending:
    """How a peer's WebSocket ended: the Status that came before the close, and the close code."""

    status: int | None = None
    reason: bytes = b""
    code: int | None = None


class Cli101:
    """One ali-instance-cli WebSocket (session or ssh mode)."""

    def __init__(self, http: aiohttp.ClientSession, url: str, ssl_ctx: ssl.SSLContext | None, *,
                 raw: bool = False) -> None:
        self.http, self.url, self.ssl, self.raw = http, url, ssl_ctx, raw
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.output = bytearray()
        self.sequence = 0
        self.connected = False  # "real_connected": the first Output arrived
        self.interval = send_interval(DEFAULT_RATE)
        self.statuses: list[tuple[int, bytes]] = []
        self.ending = Ending()
        self.done = asyncio.Event()
        self.reading = asyncio.Event()  # cleared: the reader stops reading (a client that stops reading)
        self.reading.set()
        self._stored: bytes | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> Cli101:
        self.ws = await self.http.ws_connect(
            self.url.replace("sessionid", "sessionId", 1), ssl=self.ssl, headers={"X-Acs-Session-Token": ""},
            max_msg_size=0, autoping=True,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for msg in self.ws:
                if msg.type is not aiohttp.WSMsgType.BINARY:
                    break
                frame = decode_101(msg.data)
                assert frame.created != 0, "a frame without CreatedDate (the CLI aborts)"
                if frame.type == MessageType.OUTPUT:
                    self.output += frame.payload
                    if not self.connected:
                        self.connected = True
                        if self._stored is not None:
                            stored, self._stored = self._stored, None
                            await self.send_input(stored)
                elif frame.type == MessageType.STATUS:
                    state, rest = parse_status(frame.payload)
                    self.statuses.append((state, rest))
                    if state == ChannelState.STREAM and len(rest) == 4:
                        self.interval = send_interval(int.from_bytes(rest, "big"))
                    elif state in (ChannelState.ABORTED, ChannelState.CLOSED):
                        self.ending.status, self.ending.reason = state, rest
                        break
                await self.reading.wait()  # not reading: the server must stop at TCP's back-pressure
        finally:
            self.ending.code = self.ws.close_code
            self.done.set()

    async def _send(self, mtype: MessageType, payload: bytes) -> None:
        assert self.ws is not None
        await self.ws.send_bytes(encode_101(Frame101(mtype, payload, created=_ms(), sequence=self.sequence)))
        self.sequence += 1

    async def send_input(self, data: bytes) -> None:
        if self.raw and not self.connected:
            if self._stored is None:
                self._stored = data  # the CLI keeps the first chunk only
            return
        await self._send(MessageType.INPUT, data)

    async def send_resize(self, rows: int, cols: int) -> None:
        await self._send(MessageType.RESIZE, resize_payload(rows, cols))

    async def send_raw(self, message: bytes) -> None:
        assert self.ws is not None
        await self.ws.send_bytes(message)

    async def wait_output(self, needle: bytes, timeout: float = 10) -> bytes:
        return await wait_for_output(self.output, needle, timeout, self.done)

    async def wait_done(self, timeout: float = 10) -> Ending:
        await asyncio.wait_for(self.done.wait(), timeout)
        return self.ending

    async def close(self) -> None:
        await _close(self.ws, self._reader)


class Forward101:
    """ali-instance-cli `portforward`: a local port, one WebSocket per accepted TCP connection."""

    def __init__(self, http: aiohttp.ClientSession, url: str, ssl_ctx: ssl.SSLContext | None, *,
                 connect_delay: float = 3.0) -> None:
        self.http, self.url, self.ssl, self.connect_delay = http, url, ssl_ctx, connect_delay
        self.port = 0
        self.connections = 0
        self.refusals: list[int] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> Forward101:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            await self._carry(reader, writer)
        except asyncio.CancelledError:
            pass  # `close` ends it; asyncio 3.11 would log a cancelled start_server handler as an error
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            ws = await self.http.ws_connect(
                self.url.replace("sessionid", "sessionId", 1), ssl=self.ssl,
                headers={"X-Acs-Session-Token": ""}, max_msg_size=0,
            )
        except aiohttp.WSServerHandshakeError as exc:
            self.refusals.append(exc.status)
            return
        interval = [send_interval(DEFAULT_RATE)]
        sequence = [0]

        async def send(mtype: MessageType, payload: bytes) -> None:
            await ws.send_bytes(encode_101(Frame101(mtype, payload, created=_ms(), sequence=sequence[0])))
            sequence[0] += 1

        async def upstream() -> None:
            await asyncio.sleep(self.connect_delay)  # the CLI's own wait before it sends on a new connection
            while True:
                if interval[0]:
                    await asyncio.sleep(interval[0])
                data = await reader.read(SEND_PACKAGE)
                if not data:
                    await send(MessageType.CLOSE, b"1")
                    return
                await send(MessageType.INPUT, data)

        async def downstream() -> None:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.BINARY:
                    break
                frame = decode_101(msg.data)
                if frame.type == MessageType.OUTPUT and frame.payload:
                    writer.write(frame.payload)
                    await writer.drain()
                elif frame.type == MessageType.STATUS:
                    state, rest = parse_status(frame.payload)
                    if state == ChannelState.STREAM and len(rest) == 4:
                        interval[0] = send_interval(int.from_bytes(rest, "big"))

        up = asyncio.get_running_loop().create_task(upstream())
        try:
            await downstream()
        finally:
            up.cancel()
            with contextlib.suppress(BaseException):
                await up
            await ws.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()


@dataclass
class _Queued:
    input_seq: int
    raw: bytes


@dataclass
class Browser102:
    """The browser client of cloud-assistant-starter (AxtSession.tsx)."""

    http: aiohttp.ClientSession
    url: str
    ssl: ssl.SSLContext | None
    origin: str = ""  # default: the server's own origin (another one must be allowed with --console-allowed-origin)
    channel_id: str = ""
    input_seq: int = 0
    output_seq: int = 0
    opened: bool = False
    closed: bool = False
    output: bytearray = field(default_factory=bytearray)
    queue: list[_Queued] = field(default_factory=list)
    statuses: list[tuple[int, bytes]] = field(default_factory=list)
    syncs_sent: int = 0
    syncs_received: int = 0
    duplicates: int = 0  # Output frames numbered below the next expected one (the real client writes them again)
    drop_output: set[int] = field(default_factory=set)  # outputSeq numbers to lose once
    close_code: int | None = None
    ws: aiohttp.ClientWebSocketResponse | None = None
    _reader: asyncio.Task[None] | None = None
    _gone: asyncio.Event = field(default_factory=asyncio.Event)

    async def connect(self, *, reconnect: bool = False) -> Browser102:
        url = self.url + (f"&channelId={self.channel_id}" if reconnect and self.channel_id else "")
        self._gone = asyncio.Event()
        parts = urlsplit(self.url)
        origin = self.origin or f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"
        self.ws = await self.http.ws_connect(url, ssl=self.ssl, headers={"Origin": origin}, max_msg_size=0)
        if reconnect:
            await self._write(self._message(MessageType.SYNC, b""))
            self.syncs_sent += 1
        self._reader = asyncio.get_running_loop().create_task(self._read(self.ws))
        return self

    def _message(self, mtype: MessageType, payload: bytes) -> Frame102:
        if mtype in (MessageType.INPUT, MessageType.RESIZE):
            self.input_seq += 1
        return Frame102(mtype, payload, channel_id=self.channel_id, timestamp=_ms(), input_seq=self.input_seq,
                        output_seq=self.output_seq)

    async def _write(self, frame: Frame102) -> None:
        raw = encode_102(frame)
        if frame.type in (MessageType.INPUT, MessageType.RESIZE):
            self.queue.append(_Queued(frame.input_seq, raw))
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_bytes(raw)

    async def send_input(self, data: bytes, *, lose: bool = False) -> None:
        """Type `data` (at most 1024 bytes a frame, as the client slices it); `lose` queues it without sending."""
        for i in range(0, len(data), 1024):
            frame = self._message(MessageType.INPUT, data[i : i + 1024])
            if lose:
                self.queue.append(_Queued(frame.input_seq, encode_102(frame)))
            else:
                await self._write(frame)

    async def paste(self, data: bytes) -> None:
        """Paste `data` the way the sample client does past 1 KiB (AxtSession.onInput slicing a bytebuffer): one
        frame per 1 KiB slice, each carrying the whole paste as payload and the slice's end offset as msgLength."""
        for start in range(0, len(data), 1024):
            frame = self._message(MessageType.INPUT, data)
            raw = bytearray(encode_102(frame))
            at = 26 + len(frame.channel_id) + len(frame.instance_id)  # msgLength, after the ids, stamp and seqs
            struct.pack_into("<H", raw, at, min(start + 1024, len(data)))
            self.queue.append(_Queued(frame.input_seq, bytes(raw)))
            if self.ws is not None and not self.ws.closed:
                await self.ws.send_bytes(bytes(raw))

    async def heartbeat(self) -> None:
        await self._write(self._message(MessageType.INPUT, b""))

    async def send_resize(self, rows: int, cols: int) -> None:
        await self._write(self._message(MessageType.RESIZE, resize_payload(rows, cols)))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.BINARY:
                    break
                frame = decode_102(msg.data)
                if not self.channel_id:
                    self.channel_id = frame.channel_id
                if frame.type == MessageType.OUTPUT:
                    if frame.output_seq in self.drop_output:
                        self.drop_output.discard(frame.output_seq)
                        continue  # lost on the way
                    if frame.output_seq < self.output_seq + 1:
                        self.duplicates += 1
                    if frame.output_seq > self.output_seq + 1:
                        await self._write(self._message(MessageType.SYNC, b""))
                        self.syncs_sent += 1
                        continue
                    self.queue = [q for q in self.queue if q.input_seq > frame.input_seq]
                    self.output_seq = frame.output_seq
                    self.opened = True
                    self.output += frame.payload
                elif frame.type == MessageType.SYNC:
                    self.syncs_received += 1
                    if self.queue and self.queue[0].input_seq > frame.input_seq:
                        continue
                    for q in list(self.queue):
                        if q.input_seq >= frame.input_seq:
                            await ws.send_bytes(q.raw)
                elif frame.type == MessageType.STATUS:
                    state, rest = parse_status(frame.payload)
                    self.statuses.append((state, rest))
                    if state == ChannelState.OPENED:
                        self.opened = True
                    elif state in (ChannelState.CLOSED, ChannelState.EXITED, ChannelState.ABORTED):
                        self.closed = True
                        await ws.close()
                        break
        finally:
            self.close_code = ws.close_code
            self._gone.set()

    async def wait_output(self, needle: bytes, timeout: float = 10) -> bytes:
        return await wait_for_output(self.output, needle, timeout, self._gone)

    async def wait_gone(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._gone.wait(), timeout)

    async def drop_connection(self) -> None:
        """The connection breaks (a network failure, or a server restart closing with 1005/1012)."""
        if self.ws is not None:
            await self.ws.close(code=1001)
        await self.wait_gone()

    async def close(self) -> None:
        await _close(self.ws, self._reader)
