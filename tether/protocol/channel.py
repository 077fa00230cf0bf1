"""One endpoint's state of a data channel: HELLO ordering, per-stream credit, stream life cycle.

Invariants, checked on every received frame:
- the peer's first frame is HELLO, and it sends exactly one;
- for each stream, the peer never has more than our advertised window of DATA unacknowledged by us
  (`received - consumed <= window`): a peer that ignores credit is a protocol error, not a memory leak;
- ACK offsets the peer sends are monotonic and never exceed what we sent;
- streams other than 0 exist only between OPEN and CLOSE/OPEN_FAIL; frames for a stream we already closed
  (a race both sides can legitimately lose) are returned but change no state (`stream_known` tells them apart).

A `resumable` channel also keeps, per stream, the bytes it sent that the peer has not acknowledged (at most the
peer's window: credit already bounds them), so that after a reconnect it can resend exactly what the peer lacks
(`begin_resume`, `resumed`; docs/protocol.md section 6). The counters that resume uses are the ones flow control
keeps anyway: `sent`, `acked` and `received`.

The class does no I/O: callers pass in received messages and send the bytes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tether.protocol.errors import ProtocolError
from tether.protocol.frames import (
    DEFAULT_WINDOW,
    MAX_DATA,
    MAX_WINDOW,
    MIN_WINDOW,
    PROTOCOL_VERSION,
    Ack,
    Close,
    Data,
    Eof,
    Frame,
    Hello,
    Open,
    OpenFail,
    OpenOk,
    Resume,
    decode,
    encode,
    encode_data,
)

MAX_STREAMS = 4096


@dataclass(slots=True)
class StreamState:
    """Counters of one stream; all offsets are cumulative byte counts since the stream opened."""

    sent: int = 0
    acked: int = 0
    received: int = 0
    consumed: int = 0
    ack_sent: int = 0
    open: bool = True
    local_eof: bool = False
    remote_eof: bool = False
    unacked: bytearray = field(default_factory=bytearray)  # resumable channels: the bytes in sent - acked


def check_window(window: int) -> None:
    """Reject windows outside the range the protocol allows."""
    if not MIN_WINDOW <= window <= MAX_WINDOW:
        raise ProtocolError("bad-window", f"window {window} is outside {MIN_WINDOW}..{MAX_WINDOW}")


class Channel:
    """Credit-based flow control and stream bookkeeping for one end of a data channel.

    `initiator` is the side that opens port-forward streams (the client); it uses odd stream ids.
    """

    def __init__(self, window: int = DEFAULT_WINDOW, *, initiator: bool = False, resumable: bool = False) -> None:
        check_window(window)
        self.window = window
        self.initiator = initiator
        self.resumable = resumable
        # after our `begin_resume`: the peer's DATA and ACKs until its RESUME are from before the cut (stale)
        self.resyncing = False
        self._attempt = 0
        self.peer_window = 0
        self.peer_ready = False
        self._streams: dict[int, StreamState] = {0: StreamState()}
        self._next_local = 1
        self._max_remote = 0
        self._ack_threshold = max(1, window // 4)

    # -- sending -------------------------------------------------------------------------------------------------

    def hello(self) -> bytes:
        """The HELLO to send before anything else: our version and receive window."""
        return encode(Hello(PROTOCOL_VERSION, self.window))

    def stream_known(self, stream: int) -> bool:
        """Whether `stream` is open on this channel (False for closed or never-opened ids)."""
        return stream in self._streams

    def credit(self, stream: int = 0) -> int:
        """How many DATA bytes may be sent on `stream` right now."""
        state = self._streams.get(stream)
        if not self.peer_ready or state is None or state.local_eof or self.resyncing:
            return 0
        return self.peer_window - (state.sent - state.acked)

    def send_data(self, data: bytes, stream: int = 0, *, chunk: int = MAX_DATA) -> list[bytes]:
        """Encode `data` as DATA frames of at most `chunk` bytes, spending credit; raises if it exceeds the credit.

        Bulk senders pass `chunk=SEND_CHUNK` (see frames.py). Each payload byte is copied once, into its frame.
        """
        state = self._stream(stream)
        if len(data) > self.credit(stream):
            raise ProtocolError("no-credit", f"{len(data)} bytes exceed the {self.credit(stream)} bytes of credit")
        if not 0 < chunk <= MAX_DATA:
            raise ValueError(f"chunk must be 1..{MAX_DATA} bytes, not {chunk}")
        state.sent += len(data)
        if self.resumable:
            state.unacked += data
        if len(data) <= chunk:
            return [encode_data(stream, data)] if data else []
        view = memoryview(data)
        return [encode_data(stream, view[i : i + chunk]) for i in range(0, len(data), chunk)]

    def consumed(self, n: int, stream: int = 0) -> bytes | None:
        """Record that `n` more received bytes were really consumed; return an ACK frame when one is due."""
        state = self._streams.get(stream)
        if state is None:
            return None
        if n < 0 or state.consumed + n > state.received:
            raise ProtocolError("bad-consume", f"cannot consume {n} bytes: only {state.received} were received")
        state.consumed += n
        if state.consumed - state.ack_sent >= self._ack_threshold or (
            state.remote_eof and state.consumed > state.ack_sent
        ):
            state.ack_sent = state.consumed
            return encode(Ack(stream, state.consumed))
        return None

    def open_stream(self, target: str) -> tuple[int, bytes]:
        """Open a new stream (initiator only); returns its id and the OPEN frame."""
        if not self.initiator:
            raise ProtocolError("not-initiator", "only the initiating side opens streams")
        if len(self._streams) >= MAX_STREAMS:
            raise ProtocolError("too-many-streams", f"at most {MAX_STREAMS} streams may be open at once")
        stream = self._next_local
        self._next_local += 2
        self._streams[stream] = StreamState(open=False)
        return stream, encode(Open(stream, target))

    def accept_stream(self, stream: int) -> bytes:
        """Answer a peer's OPEN with OPEN_OK."""
        self._stream(stream).open = True
        return encode(OpenOk(stream))

    def reject_stream(self, stream: int, reason: str) -> bytes:
        """Answer a peer's OPEN with OPEN_FAIL and forget the stream."""
        self._streams.pop(stream, None)
        return encode(OpenFail(stream, reason))

    def send_eof(self, stream: int = 0) -> bytes:
        """Half-close our side of `stream`."""
        self._stream(stream).local_eof = True
        return encode(Eof(stream))

    def close_stream(self, stream: int, reason: str = "") -> bytes:
        """Reset `stream` in both directions and forget it."""
        if stream != 0:
            self._streams.pop(stream, None)
        return encode(Close(stream, reason))

    # -- receiving -----------------------------------------------------------------------------------------------

    def receive(self, message: bytes) -> Frame:
        """Decode one incoming message, check it against the channel state, and update the state."""
        frame = decode(message)
        if not self.peer_ready:
            if not isinstance(frame, Hello):
                raise ProtocolError("expected-hello", f"first frame must be HELLO, got {type(frame).__name__}")
            if frame.version != PROTOCOL_VERSION:
                raise ProtocolError(
                    "bad-version", f"peer speaks protocol version {frame.version}; this side speaks 1"
                )
            check_window(frame.window)
            self.peer_window = frame.window
            self.peer_ready = True
            return frame
        match frame:  # DATA and ACK first: they are nearly every frame, and each case is an isinstance test
            case Data(stream, data):
                state = self._known(stream)
                if state is not None and not self.resyncing:
                    if state.remote_eof:
                        raise ProtocolError("data-after-eof", f"DATA on stream {stream} after its EOF")
                    state.received += len(data)
                    if state.received - state.consumed > self.window:
                        raise ProtocolError(
                            "window-exceeded",
                            f"peer sent {state.received - state.consumed} unacknowledged bytes on stream {stream}; "
                            f"the window is {self.window}",
                        )
            case Ack(stream, offset):
                state = self._known(stream)
                if state is not None and not self.resyncing:
                    if not state.acked <= offset <= state.sent:
                        raise ProtocolError(
                            "bad-ack", f"ACK {offset} on stream {stream} outside {state.acked}..{state.sent}"
                        )
                    if self.resumable:
                        del state.unacked[: offset - state.acked]
                    state.acked = offset
            case Resume(stream, offset, attempt, answer):
                state = self._known(stream)
                if answer and (not self.resyncing or attempt != self._attempt):
                    return frame  # an answer to an attempt we no longer wait for: `resumed` ignores it
                if not self.resumable:
                    raise ProtocolError("not-resumable", "RESUME on a channel that was not opened resumable")
                if state is not None and not state.acked <= offset <= state.sent:
                    raise ProtocolError(
                        "bad-resume", f"RESUME {offset} on stream {stream} outside {state.acked}..{state.sent}"
                    )
            case Hello():
                raise ProtocolError("duplicate-hello", "HELLO sent twice")
            case Open(stream, _):
                if self.initiator or stream % 2 == 0 or stream <= self._max_remote:
                    raise ProtocolError("bad-open", f"OPEN of stream {stream} is not allowed here")
                if len(self._streams) >= MAX_STREAMS:
                    raise ProtocolError("too-many-streams", f"at most {MAX_STREAMS} streams may be open at once")
                self._max_remote = stream
                self._streams[stream] = StreamState(open=False)
            case OpenOk(stream):
                state = self._known(stream)
                if state is not None:
                    state.open = True
            case OpenFail(stream, _):
                self._known(stream)
                self._streams.pop(stream, None)
            case Eof(stream):
                state = self._known(stream)
                if state is not None:
                    state.remote_eof = True
            case Close(stream, _):
                self._known(stream)
                if stream != 0:
                    self._streams.pop(stream, None)
        return frame

    # -- resuming after a reconnect -------------------------------------------------------------------------------

    def begin_resume(self, stream: int = 0) -> bytes:
        """We reconnected: the RESUME to send first on the new connection (how much of the peer's stream we have).

        Until the peer answers this attempt (or sends a RESUME of its own), the peer's DATA and ACKs still in flight
        from before the cut are ignored (the peer resends from our offset) and we send no DATA (we resend from the
        peer's offset)."""
        if not self.resumable:
            raise ProtocolError("not-resumable", "this channel was not opened resumable")
        self.resyncing = True
        self._attempt = (self._attempt + 1) & 0xFFFFFFFF
        return encode(Resume(stream, self._stream(stream).received, self._attempt))

    def resumed(self, frame: Resume) -> list[bytes]:
        """Act on the peer's RESUME (already checked by `receive`): the frames to send now, in order.

        The peer's own attempt (not an answer) is always answered, with our offset, then everything it lacks is
        resent from its offset. An answer is acted on only while we wait for exactly that attempt: an answer to an
        earlier attempt, lost with its connection, describes offsets that no longer hold."""
        state = self._streams.get(frame.stream)
        if state is None:
            return []
        frames: list[bytes] = []
        if frame.answer:
            if not self.resyncing or frame.attempt != self._attempt:
                return []
        else:
            frames.append(encode(Resume(frame.stream, state.received, frame.attempt, True)))
        self.resyncing = False
        keep = frame.offset - state.acked
        replay = bytes(state.unacked[keep:])
        del state.unacked[keep:]
        state.sent = frame.offset
        if replay:
            frames += self.send_data(replay, frame.stream)
        return frames

    def offsets(self, stream: int = 0) -> tuple[int, int, int]:
        """(sent, acked, received) of `stream`: for tests and diagnostics."""
        state = self._stream(stream)
        return state.sent, state.acked, state.received

    # -- helpers -------------------------------------------------------------------------------------------------

    def _stream(self, stream: int) -> StreamState:
        state = self._streams.get(stream)
        if state is None:
            raise ProtocolError("unknown-stream", f"stream {stream} is not open")
        return state

    def _known(self, stream: int) -> StreamState | None:
        """The stream's state; None for a stream that existed once (stale frame); error for one that never did."""
        state = self._streams.get(stream)
        if state is not None:
            return state
        highest = self._next_local - 2 if self.initiator else self._max_remote
        if 0 < stream <= highest:
            return None
        raise ProtocolError("unknown-stream", f"frame for stream {stream}, which was never opened")
