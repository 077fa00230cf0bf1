"""Resume after reconnects (docs/protocol.md section 6): whatever the drops, every byte arrives once, in order.

The model is the real data path without I/O: two resumable `Channel`s (agent and client) and between them a relay
that checks every frame with a `FlowMonitor`. Each hop is a FIFO of messages. A cut of one side loses everything
in flight on that side's two hops (what the relay had written towards it, and what it had sent towards the relay);
the other side's frames keep queueing at the relay and cross after the reconnect, stale, exactly as in the relay,
whose forwarding loop for the remaining side waits for the new connection.
"""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tether.protocol import Channel, Data, FlowMonitor, Resume, Side, encode
from tether.protocol.errors import ProtocolError

WINDOW = 4096

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(list(Side)), st.integers(1, 3000)),
        st.tuples(st.just("hop"), st.sampled_from(["to_relay", "from_relay"]), st.sampled_from(list(Side))),
        st.tuples(st.just("consume"), st.sampled_from(list(Side)), st.integers(1, 3000)),
        st.tuples(st.just("cut"), st.sampled_from(list(Side)), st.booleans()),
    ),
    max_size=250,
)


class End:
    """One endpoint: its channel, what it produced, what it received and consumed, and its connection."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.channel = Channel(WINDOW, resumable=True)
        self.produced = bytearray()
        self.received = bytearray()
        self.consumed = 0
        self.up: deque[bytes] = deque()  # endpoint -> relay
        self.down: deque[bytes] = deque()  # relay -> endpoint
        self.connected = True
        self.counter = 0

    def send(self, n: int) -> None:
        size = min(n, self.channel.credit(0))
        if size <= 0:
            return
        data = bytes((self.counter + i) % 251 for i in range(size))
        self.counter += size
        self.produced += data
        self.up.extend(self.channel.send_data(data, 0))

    def deliver(self, message: bytes) -> None:
        frame = self.channel.receive(message)
        if isinstance(frame, Data) and not self.channel.resyncing:
            self.received += frame.data
        elif isinstance(frame, Resume):
            self.up.extend(self.channel.resumed(frame))

    def consume(self, n: int) -> None:
        n = min(n, len(self.received) - self.consumed)
        if n > 0:
            self.consumed += n
            ack = self.channel.consumed(n, 0)
            if ack is not None:
                self.up.append(ack)


def _setup() -> tuple[dict[Side, End], FlowMonitor]:
    ends = {side: End(side) for side in Side}
    monitor = FlowMonitor()
    for side, end in ends.items():
        other = ends[side.other]
        hello = end.channel.hello()
        monitor.check(side, hello)
        other.channel.receive(hello)
    return ends, monitor


def _hop(ends: dict[Side, End], monitor: FlowMonitor, which: str, side: Side) -> None:
    end = ends[side]
    if which == "to_relay":  # the relay reads one frame of `side` and forwards it, if the peer is attached
        peer = ends[side.other]
        if end.connected and peer.connected and end.up:
            message = end.up.popleft()
            monitor.check(side, message)
            peer.down.append(message)
    elif end.connected and end.down:
        end.deliver(end.down.popleft())


def _cut(ends: dict[Side, End], side: Side, reconnect: bool) -> None:
    end = ends[side]
    end.up.clear()
    end.down.clear()
    end.connected = False
    if reconnect:
        end.connected = True
        end.up.append(end.channel.begin_resume(0))


def _settle(ends: dict[Side, End], monitor: FlowMonitor) -> None:
    """Reconnect whoever is cut, then run every hop and consume everything until nothing moves."""
    for side, end in ends.items():
        if not end.connected:
            _cut(ends, side, True)
    for _ in range(10_000):
        moved = False
        for side, end in ends.items():
            if end.up or end.down:
                moved = True
                _hop(ends, monitor, "to_relay", side)
                _hop(ends, monitor, "from_relay", side)
            if end.consumed < len(end.received):
                moved = True
                end.consume(len(end.received) - end.consumed)
        if not moved:
            return
    raise AssertionError("the data path did not settle")


def _other_side_resuming(ends: dict[Side, End], side: Side) -> bool:
    """The other side is cut or has not had the answer to its RESUME yet."""
    other = ends[side.other]
    return not other.connected or other.channel.resyncing


@settings(max_examples=500, deadline=None)
@given(OPS)
def test_every_byte_arrives_once_in_order_whatever_the_cuts(ops: list[tuple[str, object, object]]) -> None:
    ends, monitor = _setup()
    for op in ops:
        kind, a, b = op
        if kind == "send":
            assert isinstance(a, Side) and isinstance(b, int)
            if ends[a].connected:
                ends[a].send(b)
        elif kind == "hop":
            assert isinstance(a, str) and isinstance(b, Side)
            _hop(ends, monitor, a, b)
        elif kind == "consume":
            assert isinstance(a, Side) and isinstance(b, int)
            ends[a].consume(b)
        else:
            assert isinstance(a, Side) and isinstance(b, bool)
            if _other_side_resuming(ends, a):
                continue  # both sides resuming at once: not yet handled (see the xfail tests below)
            _cut(ends, a, b)
    _settle(ends, monitor)
    for side, end in ends.items():
        other = ends[side.other]
        assert bytes(other.received) == bytes(end.produced), f"{side}'s bytes did not arrive exactly once, in order"
        # the replay buffer holds no more than the peer has not acknowledged, and never more than one window
        sent, acked, _ = end.channel.offsets(0)
        assert sent == len(end.produced) and sent - acked <= WINDOW


def test_resume_outside_what_was_sent_is_refused() -> None:
    ends, _ = _setup()
    agent = ends[Side.AGENT].channel
    ends[Side.AGENT].send(100)
    try:
        agent.receive(encode(Resume(0, 101, 0)))
    except ProtocolError as exc:
        assert exc.code == "bad-resume"
    else:
        raise AssertionError("a RESUME beyond what was sent must be refused")


def test_a_channel_that_is_not_resumable_refuses_resume() -> None:
    plain = Channel(WINDOW)
    plain.receive(Channel(WINDOW).hello())
    try:
        plain.receive(encode(Resume(0, 0, 1)))
    except ProtocolError as exc:
        assert exc.code == "not-resumable"
    else:
        raise AssertionError("RESUME on a plain channel must be refused")


def test_stale_frames_before_the_answer_are_ignored() -> None:
    """The side that reconnected sends no DATA and counts no DATA or ACK until the peer's RESUME."""
    ends, _ = _setup()
    client = ends[Side.CLIENT].channel
    client.begin_resume(0)
    assert client.credit(0) == 0
    frame = client.receive(ends[Side.AGENT].channel.send_data(b"old", 0)[0])
    assert isinstance(frame, Data) and client.offsets(0)[2] == 0


@given(
    st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1), st.booleans(),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=128),
)
def test_resume_and_token_frames_round_trip(stream: int, offset: int, attempt: int, answer: bool, token: str) -> None:
    from tether.protocol import Token, decode

    assert decode(encode(Resume(stream, offset, attempt, answer))) == Resume(stream, offset, attempt, answer)
    assert decode(encode(Token(token))) == Token(token)


def test_malformed_resume_and_token_frames_are_refused() -> None:
    from tether.protocol import decode

    for message, code in (
        (b"\x0b\x00\x00\x00\x00" + bytes(12), "bad-length"),  # RESUME is 13 bytes
        (b"\x0b\x00\x00\x00\x00" + bytes(12) + b"\x02", "bad-resume"),  # the answer flag is 0 or 1
        (b"\x0c\x00\x00\x00\x00", "bad-token"),  # empty TOKEN
        (b"\x0c\x00\x00\x00\x01abc", "bad-stream"),  # TOKEN is on stream 0
        (b"\x0c\x00\x00\x00\x00\xff", "bad-token"),  # not ASCII
    ):
        try:
            decode(message)
        except ProtocolError as exc:
            assert exc.code == code, (message, exc.code)
        else:
            raise AssertionError(f"{message!r} must be refused")


def _run(ops: list[tuple[str, object, object]]) -> None:
    """One sequence without the generator's restriction, checked like the property test."""
    ends, monitor = _setup()
    for kind, a, b in ops:
        if kind == "send":
            assert isinstance(a, Side) and isinstance(b, int)
            ends[a].send(b)
        elif kind == "hop":
            assert isinstance(a, str) and isinstance(b, Side)
            _hop(ends, monitor, a, b)
        else:
            assert isinstance(a, Side) and isinstance(b, bool)
            _cut(ends, a, b)
    _settle(ends, monitor)
    for side, end in ends.items():
        assert bytes(ends[side.other].received) == bytes(end.produced)


# Known gap, found by the property test above before it was restricted: when one side is cut while the other's
# RESUME is still unanswered, a RESUME that crossed the relay before the cut is answered as well, and the resend
# that follows an answer to the peer's own attempt carries no marker, so the receiver cannot drop the copy (or the
# relay's monitor sees an ACK beyond what it counted). Fixing it needs a marker with the resend's start offset on
# the wire (docs/protocol.md section 6, "Not yet"). strict: these fail today; when they pass, lift the restriction.
@pytest.mark.xfail(strict=True, reason="both sides resuming at once: a resend can arrive twice")
def test_both_sides_resuming_at_once_duplicates_a_resend() -> None:
    _run([
        ("send", Side.CLIENT, 1),
        ("cut", Side.AGENT, True),
        ("cut", Side.CLIENT, True),
        ("hop", "to_relay", Side.AGENT),
        ("cut", Side.AGENT, False),
    ])


@pytest.mark.xfail(
    strict=True, reason="both sides resuming at once: the relay's monitor sees a stale ACK", raises=ProtocolError
)
def test_both_sides_resuming_at_once_trips_the_relay_monitor() -> None:
    _run([
        ("send", Side.CLIENT, 512),
        ("cut", Side.AGENT, True),
        ("cut", Side.CLIENT, True),
        ("hop", "to_relay", Side.AGENT),
        ("cut", Side.AGENT, False),
    ])
