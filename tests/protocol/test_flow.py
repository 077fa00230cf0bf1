"""The relay's credit monitor refuses senders that exceed the window and accepts well-behaved ones."""

from __future__ import annotations

import pytest

from tether.protocol import Ack, Channel, Data, FlowMonitor, FrameType, ProtocolError, encode


def test_monitor_follows_a_well_behaved_session() -> None:
    monitor = FlowMonitor()
    client, agent = Channel(8192, initiator=True), Channel(8192)
    assert monitor.check("client", client.hello()) == FrameType.HELLO
    assert monitor.check("agent", agent.hello()) == FrameType.HELLO
    agent.receive(client.hello())
    client.receive(agent.hello())
    for _ in range(10):
        for f in agent.send_data(b"y" * 8192):
            assert monitor.check("agent", f) == FrameType.DATA
            client.receive(f)
        ack = client.consumed(8192)
        assert ack is not None
        assert monitor.check("client", ack) == FrameType.ACK
        agent.receive(ack)


def test_monitor_refuses_data_beyond_credit() -> None:
    monitor = FlowMonitor()
    monitor.check("client", Channel(8192).hello())
    monitor.check("agent", Channel(8192).hello())
    monitor.check("agent", encode(Data(0, b"x" * 8192)))
    with pytest.raises(ProtocolError) as info:
        monitor.check("agent", encode(Data(0, b"x")))
    assert info.value.code == "window-exceeded"


def test_monitor_refuses_data_before_hello_and_bad_acks() -> None:
    monitor = FlowMonitor()
    with pytest.raises(ProtocolError):
        monitor.check("agent", encode(Data(0, b"x")))
    monitor.check("client", Channel().hello())
    monitor.check("agent", Channel().hello())
    with pytest.raises(ProtocolError):
        monitor.check("client", encode(Ack(0, 5)))


def test_monitor_refuses_garbage() -> None:
    with pytest.raises(ProtocolError):
        FlowMonitor().check("client", b"\xff\x00")
