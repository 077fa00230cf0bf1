"""Shell sessions for ali-instance-cli (1.01) and the browser client (1.02), as a client-side relay Endpoint.

Translation: Input -> DATA, Resize(i16 rows, i16 cols) -> RESIZE(cols, rows); DATA -> Output (written, then
acknowledged to the agent), EXIT -> Status(Closed, "Exit"), ERROR or any other end -> Status(Closed, reason) for the
CLI (which prints a Closed reason on a line of its own but writes an Aborted payload raw) and Status(Aborted,
reason) for the browser (which shows it as an aborted connection). Status(Opened) goes
first, right after the upgrade (the browser ignores input until then); the CLI also gets Status(Stream) with a rate
that lifts its own pacing and an empty Output, which is what it waits for before its ssh/raw mode sends input.

1.02 adds the numbering: Output frames 1, 2, 3... each echoing the last consumed inputSeq, Sync answered from the
resend buffer, duplicate input ignored and a gap answered with Sync(next expected inputSeq); and reconnect: a
WebSocket that goes away without the session's end leaves the session waiting RECONNECT_GRACE seconds for the same
URL with `&channelId=`. Meanwhile agent output is not acknowledged (the agent's window bounds it); after the
grace the session ends as `client_closed`. The session's end closes with 1000, never 1005/1012 (which the browser
takes as "reconnect").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import web

from tether.protocol import CloseCode, Data, Error, Exit, ProtocolError, Resize, Side, encode
from tether.protocol.axt import ChannelState, MessageType
from tether.protocol.axt.client import (
    Frame101,
    Frame102,
    decode_101,
    decode_102,
    encode_101,
    encode_102,
    parse_resize,
    pasted_slice,
    status_payload,
    stream_rate_payload,
)
from tether.server.framings.half import ClientHalf
from tether.server.framings.resend import ResendBuffer
from tether.server.framings.wire import UNPACED_RATE, ClientGone, malformed, now_ms, read_binary
from tether.server.relay.endpoint import EndpointClosed

RECONNECT_GRACE = 30.0
RESYNC_WAIT = 2.0  # seconds new output waits for a reconnected browser's first Sync
MAX_OUTPUT_102 = 0xFFFF  # a 1.02 msgLength is a u16


def _client_closed() -> EndpointClosed:
    return EndpointClosed("client_closed", CloseCode.OK, "the client closed the session", clean=True)


def final_status(code: int, reason: bytes) -> tuple[ChannelState, str]:
    """The Status a client gets when its session ends without the agent's EXIT or ERROR (an agent that reports no
    exit status, EndTerminalSession, a limit): Closed "Exit" for an orderly end, which both clients take as the
    session's end, and Aborted with the reason otherwise."""
    if code == CloseCode.OK:
        return ChannelState.CLOSED, "Exit"
    return ChannelState.ABORTED, reason.decode("utf-8", "replace") or f"closed with code {code}"


def resize_frame(payload: bytes) -> bytes | None:
    """RESIZE for a Resize payload; None for a size the terminal could not tell (0 or negative)."""
    rows, cols = parse_resize(payload)
    if rows < 1 or cols < 1:
        return None
    return encode(Resize(cols, rows))


class Shell101Endpoint:
    """ali-instance-cli's `session` on a shell session."""

    side = Side.CLIENT

    def __init__(self, ws: web.WebSocketResponse, session_id: str) -> None:
        self.ws = ws
        self.session_id = session_id
        self.half = ClientHalf()
        self.send: Callable[[bytes], Awaitable[None]] = self._send  # Endpoint.send
        self._sequence = 0
        self._reader: asyncio.Task[None] | None = None
        self._told_end = False  # a final Status (Closed or Aborted) went to the CLI

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def start(self, first: bytes | None = None) -> None:
        """Greet the CLI and read it in the background (`first`: a message already read to detect the framing)."""
        with contextlib.suppress(ConnectionError, RuntimeError):  # gone already: the reader sees the close
            await self._frame(MessageType.STATUS, status_payload(ChannelState.OPENED, "Opened"))
            await self._frame(MessageType.STATUS, stream_rate_payload(UNPACED_RATE))
            await self._frame(MessageType.OUTPUT, b"")
        self._reader = asyncio.get_running_loop().create_task(self._read(first))

    async def _frame(self, mtype: MessageType, payload: bytes) -> None:
        raw = encode_101(Frame101(mtype, payload, created=now_ms(), sequence=self._sequence))
        self._sequence += 1
        await self.ws.send_bytes(raw)

    async def _read(self, first: bytes | None) -> None:
        try:
            while True:
                raw, first = first or await read_binary(self.ws, "1.01"), None
                frame = decode_101(raw)
                if frame.type == MessageType.INPUT:
                    if frame.payload:
                        await self.half.send_input(frame.payload)
                elif frame.type == MessageType.RESIZE:
                    resize = resize_frame(frame.payload)
                    if resize is not None:
                        await self.half.push(resize)
                # Close (a port forward's local EOF), Status and unknown types mean nothing on a shell
        except ProtocolError as exc:
            self.half.finish(malformed(self.session_id, "1.01", exc))
        except EndpointClosed as end:
            self.half.finish(end)
        except (ClientGone, ConnectionError):
            self.half.finish(_client_closed())

    async def receive(self) -> bytes:
        return await self.half.next_frame()

    async def _send(self, message: bytes) -> None:
        frame = self.half.from_agent(message)
        try:
            match frame:
                case Data(_, payload):
                    await self._frame(MessageType.OUTPUT, payload)  # returns once the transport took it
                    self.half.consumed(len(payload))
                case Exit():
                    self._told_end = True
                    await self._frame(MessageType.STATUS, status_payload(ChannelState.CLOSED, "Exit"))
                case Error(code, text):  # Closed with the reason: the CLI prints that on a line of its own (it
                    self._told_end = True  # would write an Aborted payload raw, its state byte included)
                    await self._frame(MessageType.STATUS, status_payload(ChannelState.CLOSED, f"{code}: {text}"))
        except RuntimeError as exc:  # aiohttp: the socket is closing
            raise ConnectionResetError(str(exc)) from exc

    async def close(self, code: int, reason: bytes) -> None:
        # the reader stays: it takes the client's answering close frame, which `close` waits for (cancelling a
        # pending receive would leave `close` waiting out its timeout instead); finishing the half first frees a
        # reader that waits for credit
        self.half.finish(EndpointClosed("closed", code))
        if not self._told_end:  # ended without EXIT or ERROR (an agent that reports no exit status, an API end)
            self._told_end = True
            _, text = final_status(code, reason)  # always Closed for the CLI, as above
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._frame(MessageType.STATUS, status_payload(ChannelState.CLOSED, text))
        await self.ws.close(code=code, message=reason)


class Shell102Endpoint:
    """The browser client of cloud-assistant-starter on a shell session (one WebSocket at a time)."""

    side = Side.CLIENT

    def __init__(self, session_id: str, *, grace: float | None = None, buffer: int | None = None) -> None:
        self.session_id = session_id
        self.half = ClientHalf()
        self.send: Callable[[bytes], Awaitable[None]] = self._send  # Endpoint.send
        self.buffer = ResendBuffer() if buffer is None else ResendBuffer(buffer)
        self.grace = RECONNECT_GRACE if grace is None else grace
        self.ws: web.WebSocketResponse | None = None
        self._attached = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._grace_timer: asyncio.TimerHandle | None = None
        self._resync_timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()  # keeps numbering, buffering and writing of Output frames in one order
        self._ended = False  # the session's end was decided (no reconnect any more)
        self._closed = False  # `close` was called
        self.last_input = 0  # the last inputSeq consumed
        self._paste = b""  # the whole paste the last Input was a slice of (see `_unslice`)
        self._answered_sync: int | None = None  # the position of the Sync last answered on this WebSocket
        self._asked_input: int | None = None  # the inputSeq our last Sync asked for on this WebSocket

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def waiting_reconnect(self) -> bool:
        return self.ws is None and not self._ended and not self.half.finished

    # -- attaching ---------------------------------------------------------------------------------------------

    async def attach(self, ws: web.WebSocketResponse, first: bytes | None = None) -> None:
        """Serve `ws` (the first connection or a reconnect): Status(Opened), then read it in the background."""
        if self._grace_timer is not None:
            self._grace_timer.cancel()
            self._grace_timer = None
        reconnect = self._reader is not None
        self.ws = ws
        self._answered_sync = self._asked_input = None
        with contextlib.suppress(ConnectionError, RuntimeError):  # gone already: the reader sees the close
            await self._status(ChannelState.OPENED, "Opened")
        loop = asyncio.get_running_loop()
        if reconnect:
            # new output waits for the answer to the Sync the browser sends first on a reconnect, so that it is
            # not written ahead of the frames that answer resends (which would make the browser Sync again);
            # a browser that sends none still gets its output after RESYNC_WAIT
            self._resync_timer = loop.call_later(RESYNC_WAIT, self._attached.set)
        else:
            self._attached.set()
        self._reader = loop.create_task(self._read(ws, first))

    async def served(self) -> None:
        """Return when the current WebSocket's reader is done (a reconnect's handler waits here)."""
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._reader)

    def _detach(self, ws: web.WebSocketResponse) -> None:
        if self.ws is not ws:
            return
        self.ws = None
        self._attached.clear()
        if self._resync_timer is not None:  # a reconnect that went away before its Sync
            self._resync_timer.cancel()
            self._resync_timer = None
        if self._ended or self.half.finished:
            return
        loop = asyncio.get_running_loop()
        self._grace_timer = loop.call_later(self.grace, self._give_up)

    def _give_up(self) -> None:
        self._grace_timer = None
        if self.ws is None:
            self.half.finish(
                EndpointClosed(
                    "client_closed", CloseCode.OK, f"the browser did not reconnect within {self.grace:g} s", clean=True
                )
            )
            self._attached.set()  # wake a waiting send: it sees the end

    # -- client -> agent ---------------------------------------------------------------------------------------

    async def _read(self, ws: web.WebSocketResponse, first: bytes | None) -> None:
        try:
            while True:
                raw, first = first or await read_binary(ws, "1.02"), None
                frame = decode_102(raw)
                self.buffer.confirm(frame.output_seq)
                if frame.type in (MessageType.INPUT, MessageType.RESIZE):
                    await self._input(frame)
                elif frame.type == MessageType.SYNC:
                    await self._resend(frame.output_seq)
                    if frame.input_seq > self.last_input:
                        await self._ask_input()
                elif frame.type == MessageType.CLOSE:
                    self._ended = True
                    self.half.finish(_client_closed())
                    return
        except ProtocolError as exc:
            self._ended = True
            self.half.finish(malformed(self.session_id, "1.02", exc))
        except EndpointClosed as end:
            self._ended = True
            self.half.finish(end)
        except (ClientGone, ConnectionError):
            self._detach(ws)

    async def _input(self, frame: Frame102) -> None:
        if frame.input_seq <= self.last_input:
            return  # a resend of something already consumed
        if frame.input_seq > self.last_input + 1:
            await self._ask_input()  # a gap: ask for everything from the next expected one
            return
        self.last_input = frame.input_seq
        self._asked_input = None
        if frame.type == MessageType.INPUT:
            payload = self._unslice(frame)
            if payload:  # an empty Input is the browser's heartbeat
                await self.half.send_input(payload)
        else:
            resize = resize_frame(frame.payload)
            if resize is not None:
                await self.half.push(resize)

    def _unslice(self, frame: Frame102) -> bytes:
        """The bytes an Input means. A paste over PASTE_SLICE bytes comes as slices that each carry the whole paste
        (decode_102 cuts the ones it can recognise); the last one looks ordinary, so it is known by carrying the
        same paste as the slices before it, and cut here."""
        if frame.paste:
            self._paste = frame.paste
            return frame.payload
        paste, self._paste = self._paste, b""
        if paste and frame.payload == paste:
            return pasted_slice(paste, len(paste))
        return frame.payload

    async def _ask_input(self) -> None:
        wanted = self.last_input + 1
        if self._asked_input == wanted:
            return  # already asked on this connection; the resent frames are on their way
        self._asked_input = wanted
        await self._write(MessageType.SYNC, b"", input_seq=wanted, output_seq=self.buffer.latest)

    async def _resend(self, position: int) -> None:
        async with self._lock:
            if self._answered_sync == position:
                return  # sent before our answer to the same position reached the client
            self._answered_sync = position
            for seq, payload in self.buffer.since(position):
                await self._write(MessageType.OUTPUT, payload, output_seq=seq)
            if self._resync_timer is not None:
                self._resync_timer.cancel()
                self._resync_timer = None
            self._attached.set()

    # -- agent -> client ---------------------------------------------------------------------------------------

    async def receive(self) -> bytes:
        return await self.half.next_frame()

    async def _send(self, message: bytes) -> None:
        frame = self.half.from_agent(message)
        match frame:
            case Data(_, payload):
                for i in range(0, len(payload), MAX_OUTPUT_102):
                    await self._output(payload[i : i + MAX_OUTPUT_102])
                self.half.consumed(len(payload))
            case Exit():
                self._ended = True
                await self._final(ChannelState.CLOSED, "Exit")
            case Error(code, text):
                self._ended = True
                await self._final(ChannelState.ABORTED, f"{code}: {text}")

    async def _output(self, payload: bytes) -> None:
        async with self._lock:
            seq = self.buffer.add(payload)
            ws = self.ws
            if ws is not None and self._attached.is_set():  # not while a reconnect waits for its first Sync
                try:
                    await self._write(MessageType.OUTPUT, payload, output_seq=seq, ws=ws)
                    return
                except (ConnectionError, RuntimeError):
                    self._detach(ws)
        # not written: it is buffered, and the client's Sync after its reconnect fetches it
        await self._attached.wait()
        if self.half.finished:
            raise ConnectionResetError("the browser did not reconnect")

    async def _final(self, state: ChannelState, reason: str) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._status(state, reason)

    async def _status(self, state: ChannelState, reason: str) -> None:
        await self._write(MessageType.STATUS, status_payload(state, reason), output_seq=self.buffer.latest)

    async def _write(
        self,
        mtype: MessageType,
        payload: bytes,
        *,
        output_seq: int,
        input_seq: int | None = None,
        ws: web.WebSocketResponse | None = None,
    ) -> None:
        target = ws or self.ws
        if target is None:
            raise ConnectionResetError("the browser is not connected")
        raw = encode_102(
            Frame102(
                mtype,
                payload,
                channel_id=self.session_id,
                timestamp=now_ms(),
                input_seq=self.last_input if input_seq is None else input_seq,
                output_seq=output_seq,
            )
        )
        await target.send_bytes(raw)

    async def close(self, code: int, reason: bytes) -> None:
        if not self._ended and self.ws is not None:  # ended without EXIT or ERROR: the page still learns it ended
            self._ended = True
            await self._final(*final_status(code, reason))
        self._ended = self._closed = True
        self.half.finish(EndpointClosed("closed", code))  # frees a reader that waits for credit
        if self._grace_timer is not None:
            self._grace_timer.cancel()
        self._attached.set()
        ws = self.ws
        if ws is not None:
            await ws.close(code=code, message=reason)
