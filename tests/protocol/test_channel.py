"""Channel state: HELLO ordering, credit accounting, ACK policy and stream life cycle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tether.protocol import (
    DEFAULT_WINDOW,
    MAX_DATA,
    SEND_CHUNK,
    Ack,
    Channel,
    Data,
    Hello,
    OpenOk,
    ProtocolError,
    Resize,
    decode,
    encode,
    encode_data,
)


def pair(window: int = DEFAULT_WINDOW) -> tuple[Channel, Channel]:
    client, agent = Channel(window, initiator=True), Channel(window)
    agent.receive(client.hello())
    client.receive(agent.hello())
    return client, agent


def test_no_credit_before_hello() -> None:
    channel = Channel()
    assert channel.credit() == 0
    with pytest.raises(ProtocolError):
        channel.send_data(b"x")


def test_first_frame_must_be_hello() -> None:
    with pytest.raises(ProtocolError) as info:
        Channel().receive(encode(Resize(80, 24)))
    assert info.value.code == "expected-hello"


def test_hello_twice_is_an_error() -> None:
    client, agent = pair()
    with pytest.raises(ProtocolError):
        agent.receive(client.hello())


@pytest.mark.parametrize("hello", [Hello(2, DEFAULT_WINDOW), Hello(1, 100), Hello(1, 1 << 30)])
def test_bad_hello_is_refused(hello: Hello) -> None:
    with pytest.raises(ProtocolError):
        Channel().receive(encode(hello))


def test_credit_is_spent_and_restored_by_ack() -> None:
    client, agent = pair(65536)
    frames = agent.send_data(b"a" * 65536)
    assert agent.credit() == 0
    for f in frames:
        client.receive(f)
    ack = client.consumed(65536)
    assert ack is not None
    agent.receive(ack)
    assert agent.credit() == 65536


def test_sender_beyond_window_is_a_protocol_error() -> None:
    client, _agent = pair(8192)
    client.receive(encode(Data(0, b"x" * 8192)))
    with pytest.raises(ProtocolError) as info:
        client.receive(encode(Data(0, b"x")))
    assert info.value.code == "window-exceeded"


def test_send_data_refuses_more_than_credit() -> None:
    _, agent = pair(8192)
    with pytest.raises(ProtocolError):
        agent.send_data(b"x" * 8193)


def test_ack_cannot_go_backwards_or_beyond_sent() -> None:
    _client, agent = pair()
    agent.send_data(b"x" * 100)
    with pytest.raises(ProtocolError):
        agent.receive(encode(Ack(0, 101)))
    agent.receive(encode(Ack(0, 50)))
    with pytest.raises(ProtocolError):
        agent.receive(encode(Ack(0, 40)))


def test_ack_only_after_a_quarter_window() -> None:
    client, agent = pair(65536)
    for f in agent.send_data(b"x" * 20000):
        client.receive(f)
    assert client.consumed(10000) is None
    assert client.consumed(10000) is not None  # 20000 >= 16384


def test_cannot_consume_more_than_received() -> None:
    client, _ = pair()
    with pytest.raises(ProtocolError):
        client.consumed(1)


def test_large_send_is_split_into_max_data_frames() -> None:
    _, agent = pair()
    frames = agent.send_data(b"x" * (MAX_DATA * 2 + 1))
    assert [len(f) - 5 for f in frames] == [MAX_DATA, MAX_DATA, 1]


def test_bulk_send_in_send_chunk_frames_keeps_every_byte_in_order() -> None:
    client, agent = pair()
    data = bytes(range(256)) * 1024  # 256 KiB, not a multiple of SEND_CHUNK
    frames = agent.send_data(data, chunk=SEND_CHUNK)
    assert [len(f) - 5 for f in frames] == [SEND_CHUNK] * 4 + [len(data) - 4 * SEND_CHUNK]
    received = [client.receive(f) for f in frames]
    assert all(isinstance(f, Data) for f in received)
    assert b"".join(f.data for f in received if isinstance(f, Data)) == data
    assert agent.credit() == DEFAULT_WINDOW - len(data)  # credit is spent per byte, whatever the chunking


def test_send_chunk_outside_the_frame_limit_is_refused() -> None:
    _, agent = pair()
    for chunk in (0, MAX_DATA + 1):
        with pytest.raises(ValueError, match="chunk must be"):
            agent.send_data(b"x", chunk=chunk)
    assert agent.credit() == DEFAULT_WINDOW  # nothing was spent


def test_encode_data_is_encode_of_data_for_bytes_and_memoryview() -> None:
    payload = b"abc" * 1000
    assert encode_data(7, payload) == encode(Data(7, payload))
    assert encode_data(7, memoryview(payload)[3:6]) == encode(Data(7, b"abc"))
    assert decode(encode_data(7, payload)) == Data(7, payload)
    for bad in (b"", b"x" * (MAX_DATA + 1)):
        with pytest.raises(ProtocolError):
            encode_data(7, bad)


def test_streams_open_accept_and_close() -> None:
    client, agent = pair()
    stream, open_frame = client.open_stream("127.0.0.1:80")
    assert stream == 1
    agent.receive(open_frame)
    client.receive(agent.accept_stream(stream))
    for f in client.send_data(b"GET /", stream):
        agent.receive(f)
    close = agent.close_stream(stream, "done")
    client.receive(close)
    assert not client.stream_known(stream)
    # a frame the client sent before it saw the CLOSE is stale, not an error
    stale = agent.receive(encode(Data(stream, b"late")))
    assert isinstance(stale, Data) and not agent.stream_known(stream)
    with pytest.raises(ProtocolError):
        agent.receive(encode(Data(99, b"never opened")))


def test_only_initiator_opens_and_ids_increase() -> None:
    client, agent = pair()
    with pytest.raises(ProtocolError):
        agent.open_stream("x:1")
    _s1, f1 = client.open_stream("x:1")
    agent.receive(f1)
    with pytest.raises(ProtocolError):
        agent.receive(f1)  # the same id again
    with pytest.raises(ProtocolError):
        client.receive(encode(OpenOk(77)))


@settings(max_examples=60)
@given(st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=30), st.integers(4096, 1 << 20))
def test_credit_never_exceeds_window_and_transfer_completes(chunks: list[int], window: int) -> None:
    """Whatever the write sizes, a sender that obeys credit never trips the receiver, and all bytes arrive."""
    client, agent = pair(window)
    total = sum(chunks)
    delivered = 0
    pending = list(chunks)
    while pending or delivered < total:
        if pending and agent.credit() > 0:
            n = min(pending[0], agent.credit(), MAX_DATA)
            pending[0] -= n
            if pending[0] == 0:
                pending.pop(0)
            for f in agent.send_data(b"z" * n):
                frame = client.receive(f)
                assert isinstance(frame, Data)
                delivered += len(frame.data)
                ack = client.consumed(len(frame.data))
                if ack:
                    agent.receive(ack)
        else:
            assert pending == [] or agent.credit() > 0, "deadlock: no credit while data is pending"
            break
        assert 0 <= agent.credit() <= window
    assert delivered == total
