"""The tether-client half of a translating endpoint: what it owes the agent, whatever the client speaks.

It sends HELLO first, never forwards client input beyond the agent's credit (the caller awaits `send_input`, which
waits for credit, so it stops reading the client's WebSocket meanwhile), and acknowledges agent DATA only when the
caller says it was written to the client's socket (`consumed`). Frames for the agent wait in a short queue
(MAX_QUEUED; producers wait for room) and ACKs in one slot per stream (they are cumulative: only the latest
matters), so nothing here grows with what either peer does.
"""

from __future__ import annotations

import asyncio
from collections import deque

from tether.protocol import MAX_DATA, Ack, Channel, Frame, Hello
from tether.server.relay.endpoint import EndpointClosed

WINDOW = 256 * 1024  # our receive window per stream, advertised to the agent
MAX_QUEUED = 16  # frames waiting for the relay's client loop


class ClientHalf:
    def __init__(self, *, initiator: bool = False, window: int = WINDOW) -> None:
        self.channel = Channel(window, initiator=initiator)
        self._frames: deque[bytes] = deque([self.channel.hello()])
        self._acks: dict[int, bytes] = {}
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._credit = asyncio.Event()
        self._end: EndpointClosed | None = None

    @property
    def finished(self) -> bool:
        return self._end is not None

    async def next_frame(self) -> bytes:
        """The next frame for the agent (Endpoint.receive); raises the EndpointClosed given to `finish`."""
        while True:
            if self._acks:
                stream = next(iter(self._acks))
                return self._acks.pop(stream)
            if self._frames:
                frame = self._frames.popleft()
                if len(self._frames) < MAX_QUEUED:
                    self._room.set()
                return frame
            if self._end is not None:
                raise self._end
            self._wake.clear()
            await self._wake.wait()

    async def push(self, frame: bytes) -> None:
        """Queue a frame for the agent, waiting while the queue is full."""
        while len(self._frames) >= MAX_QUEUED and self._end is None:
            self._room.clear()
            await self._room.wait()
        self._frames.append(frame)
        self._wake.set()

    async def send_input(self, data: bytes, stream: int = 0) -> None:
        """Forward client bytes as DATA, never beyond the agent's credit (waits for it)."""
        view = memoryview(data)
        while view:
            credit = await self._wait_credit(stream)
            if credit <= 0:
                return  # the stream or the session is gone: nothing more to send
            n = min(credit, MAX_DATA, len(view))
            for frame in self.channel.send_data(bytes(view[:n]), stream):
                await self.push(frame)
            view = view[n:]

    async def _wait_credit(self, stream: int) -> int:
        while self._end is None and self.channel.stream_known(stream):
            credit = self.channel.credit(stream)
            if credit > 0:
                return credit
            self._credit.clear()
            await self._credit.wait()
        return 0

    def from_agent(self, message: bytes) -> Frame:
        """Check and account one frame from the agent (the relay's FlowMonitor already checked it too)."""
        frame = self.channel.receive(message)
        if isinstance(frame, (Hello, Ack)):
            self._credit.set()
        return frame

    def consumed(self, n: int, stream: int = 0) -> None:
        """`n` bytes of the agent's DATA reached the client's socket: acknowledge when due."""
        ack = self.channel.consumed(n, stream)
        if ack is not None:
            self._acks[stream] = ack
            self._wake.set()

    def wake_credit(self) -> None:
        """Let waiting senders re-check (a stream was closed: they stop)."""
        self._credit.set()

    def finish(self, end: EndpointClosed) -> None:
        """The client side is over: `next_frame` raises `end` once the queued frames are taken."""
        if self._end is None:
            self._end = end
        self._wake.set()
        self._room.set()
        self._credit.set()
