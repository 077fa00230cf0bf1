"""Relay-side credit check: the relay forwards frames unchanged but refuses a sender that exceeds its credit.

The relay is not a flow-control endpoint; it only has to be sure that neither side can make it (or the peer)
buffer more than one window per stream. It therefore parses just the 5-byte header of DATA frames, plus the small
fixed payloads of HELLO and ACK, keeping the per-message cost to a struct unpack and some integer arithmetic.

After a side reconnects (docs/protocol.md section 6) its first RESUME says how much of the peer's stream it has;
the peer answers with its own RESUME and both resend from those offsets. The monitor applies both rewinds when
the answer passes, which is exactly where, in each direction, the old frames end and the resent ones begin.
"""

from __future__ import annotations

import struct

from tether.protocol.channel import MAX_STREAMS, check_window
from tether.protocol.errors import ProtocolError
from tether.protocol.frames import (
    HEADER_SIZE,
    PROTOCOL_VERSION,
    FrameType,
    decode,
    decode_header,
)
from tether.protocol.vocabulary import Side

_U64 = struct.Struct(">Q")
_HELLO = struct.Struct(">HI")
_RESUME = struct.Struct(">QIB")
MAX_PENDING_RESUMES = 64
DIRECTIONS = (Side.CLIENT, Side.AGENT)


class _Direction:
    """What one sender has in flight towards the other side, per stream."""

    __slots__ = ("acked", "hello", "sent", "window")

    def __init__(self) -> None:
        self.hello = False
        self.window = 0  # the receiver's window, learned from the receiver's HELLO
        self.sent: dict[int, int] = {0: 0}
        self.acked: dict[int, int] = {0: 0}


class FlowMonitor:
    """Validates every message crossing the relay in either direction.

    `check(direction, message)` returns the frame type byte (a `FrameType`) and raises `ProtocolError` for
    malformed frames, DATA before HELLO, or DATA beyond the credit the receiving side granted.
    """

    def __init__(self) -> None:
        self._dirs = {Side.CLIENT: _Direction(), Side.AGENT: _Direction()}
        self._max_stream = 0
        # per side, the offsets of its RESUME attempts not yet answered (oldest first)
        self._attempts: dict[Side, list[int]] = {Side.CLIENT: [], Side.AGENT: []}

    def check(self, direction: Side, message: bytes) -> FrameType:
        """Check one message sent by `direction` (a `Side`, or its string value)."""
        ftype, stream = decode_header(message)
        me = self._dirs[direction]
        peer = self._dirs[Side.AGENT if direction == Side.CLIENT else Side.CLIENT]
        if ftype == FrameType.DATA:
            if not me.hello or not peer.hello:
                raise ProtocolError("data-before-hello", "DATA before both sides sent HELLO")
            size = len(message) - HEADER_SIZE
            if size == 0:
                raise ProtocolError("bad-data", "DATA frame with an empty payload")
            sent = me.sent.get(stream)
            if sent is None:
                self._check_stale(stream)
                return FrameType.DATA
            sent += size
            if sent - me.acked[stream] > peer.window:
                raise ProtocolError(
                    "window-exceeded",
                    f"{direction} sent {sent - me.acked[stream]} unacknowledged bytes on stream {stream}; "
                    f"the window is {peer.window}",
                )
            me.sent[stream] = sent
            return FrameType.DATA
        if ftype == FrameType.ACK:
            if len(message) != HEADER_SIZE + 8:
                raise ProtocolError("bad-length", "ACK payload must be 8 bytes")
            (offset,) = _U64.unpack_from(message, HEADER_SIZE)
            peer_sent = peer.sent.get(stream)
            if peer_sent is None:
                self._check_stale(stream)
                return FrameType.ACK
            if not peer.acked[stream] <= offset <= peer_sent:
                raise ProtocolError("bad-ack", f"ACK {offset} on stream {stream} is outside what was sent")
            peer.acked[stream] = offset
            return FrameType.ACK
        if ftype == FrameType.RESUME:
            self._check_resume(Side(direction), stream, message)
            return FrameType.RESUME
        frame = decode(message)  # rare frames: validate fully
        if ftype == FrameType.HELLO:
            if me.hello:
                raise ProtocolError("duplicate-hello", f"{direction} sent HELLO twice")
            version, window = _HELLO.unpack_from(message, HEADER_SIZE)
            if version != PROTOCOL_VERSION:
                raise ProtocolError("bad-version", f"{direction} speaks protocol version {version}")
            check_window(window)
            me.hello = True
            me.window = window
        elif not me.hello:
            raise ProtocolError("expected-hello", f"{direction} sent {FrameType(ftype).name} before HELLO")
        elif ftype == FrameType.OPEN:
            if direction != Side.CLIENT or stream <= self._max_stream:
                raise ProtocolError("bad-open", f"OPEN of stream {stream} is not allowed here")
            if len(me.sent) >= MAX_STREAMS:
                raise ProtocolError("too-many-streams", f"at most {MAX_STREAMS} streams may be open at once")
            self._max_stream = stream
            for d in self._dirs.values():
                d.sent[stream] = 0
                d.acked[stream] = 0
        elif ftype in (FrameType.CLOSE, FrameType.OPEN_FAIL) and frame.stream != 0:
            for d in self._dirs.values():
                d.sent.pop(stream, None)
                d.acked.pop(stream, None)
        return FrameType(ftype)

    def acked(self, direction: Side, stream: int = 0) -> int:
        """The last ACK offset the other side sent for `direction`'s DATA on `stream`."""
        return self._dirs[direction].acked.get(stream, 0)

    def window(self, direction: Side) -> int:
        """The receive window `direction` announced in its HELLO (0 before it)."""
        return self._dirs[direction].window

    def sent(self, direction: Side, stream: int = 0) -> int:
        """The offset just past the last DATA byte `direction` sent on `stream` (rewound by resumes)."""
        return self._dirs[direction].sent.get(stream, 0)

    def _check_resume(self, direction: Side, stream: int, message: bytes) -> None:
        """A side's own attempt is queued; an answer rewinds both directions: the answering side resends from the
        offset of the attempt it answers (the oldest one not yet answered: answers come in order), the other from
        the answer's offset. Either side that ignores the answer (a stale one) sends no DATA before it acts on a
        later one, which rewinds these counters again."""
        if len(message) != HEADER_SIZE + _RESUME.size:
            raise ProtocolError("bad-length", f"RESUME payload must be {_RESUME.size} bytes")
        offset, _attempt, answer = _RESUME.unpack_from(message, HEADER_SIZE)
        me, peer = self._dirs[direction], self._dirs[direction.other]
        if not me.hello or not peer.hello:
            raise ProtocolError("resume-before-hello", "RESUME before both sides sent HELLO")
        if stream not in peer.sent:
            raise ProtocolError("unknown-stream", f"RESUME for stream {stream}, which is not open")
        if not answer:
            attempts = self._attempts[direction]
            if len(attempts) >= MAX_PENDING_RESUMES:
                raise ProtocolError("too-many-resumes", f"{direction} sent {len(attempts)} unanswered RESUMEs")
            attempts.append(offset)
            return
        theirs = self._attempts[direction.other]
        if theirs:
            me.sent[stream] = theirs.pop(0)
            me.acked[stream] = min(me.acked[stream], me.sent[stream])
        peer.sent[stream] = offset
        peer.acked[stream] = min(peer.acked[stream], offset)

    def _check_stale(self, stream: int) -> None:
        if not 0 < stream <= self._max_stream:
            raise ProtocolError("unknown-stream", f"frame for stream {stream}, which was never opened")
