"""Control-channel messages: round trips, unknown fields ignored, bad input named."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tether.protocol import ProtocolError
from tether.protocol.control import (
    AgentHello,
    Challenge,
    ControlError,
    Heartbeat,
    OpenSession,
    PushKey,
    PushKeyResult,
    SessionEnded,
    SessionFailed,
    TerminateSession,
    Welcome,
    decode_control,
    encode_control,
)

MESSAGES = [
    Challenge("bm9uY2U=", "2026-11-28T00:00:00Z"),
    AgentHello("mi-0123", "c2ln", "0.1.0", "host", "linux", "Debian", ("shell",)),
    Welcome(1.5),
    OpenSession("s-1", "shell", "wss://h/agent/v1/data/s-1", "tok", None, "uname -a", 10.0, 20.0, 65536),
    TerminateSession("s-1", "EndTerminalSession"),
    SessionFailed("s-1", "InvalidUser.NotFound", "no such user"),
    SessionEnded("s-1", 3, "exit"),
    SessionEnded("s-1", None, "hangup"),
    Heartbeat(2),
    ControlError("InvalidSignature", "bad"),
    OpenSession("s-2", "port_forward", "wss://h/agent/v1/data/s-2", "tok", target_host="10.0.0.7", target_port=5432),
    PushKey("r-1", "alice", "ssh-ed25519 AAAA alice@laptop", 60.0),
    PushKeyResult("r-1", True, expires_at="2026-11-28T12:00:00Z"),
    PushKeyResult("r-1", False, "InvalidUser.NotFound", "no such user"),
]


@pytest.mark.parametrize("message", MESSAGES)
def test_round_trip(message: object) -> None:
    assert decode_control(encode_control(message)) == message  # type: ignore[arg-type]


def test_unknown_fields_are_ignored() -> None:
    assert decode_control('{"type":"heartbeat","sessions":1,"future":true}') == Heartbeat(1)


def test_token_is_not_in_repr() -> None:
    assert "secret-token" not in repr(OpenSession("s", "shell", "u", "secret-token"))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "bad-json"),
        ("[1]", "bad-json"),
        ('{"type":"nope"}', "unknown-type"),
        ('{"type":"terminate"}', "missing-field"),
        ('{"type":"heartbeat","sessions":"1"}', "bad-field"),
        ('{"type":"heartbeat","sessions":true}', "bad-field"),
        ('{"type":"welcome","heartbeat_interval":-1}', "bad-field"),
        ('{"type":"push_key_result","request_id":"r","ok":1}', "bad-field"),
        ('{"type":"open","session_id":"s","kind":"shell","data_url":"u","token":null}', "bad-field"),
        ('{"type":"hello","instance_id":"x","signature":"y","capabilities":[1]}', "bad-field"),
        (json.dumps({"type": "error", "code": "x", "message": "y" * 70000}), "message-too-large"),
    ],
)
def test_bad_messages_are_named(text: str, code: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_control(text)
    assert info.value.code == code


@given(st.text(max_size=200))
def test_arbitrary_text_is_a_message_or_protocol_error(text: str) -> None:
    try:
        decode_control(text)
    except ProtocolError:
        pass


_KEYS = st.sampled_from(["type", "session_id", "code", "message", "sessions", "exit_status"])
_VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.booleans(), st.lists(st.integers()))


@given(st.dictionaries(_KEYS, _VALUES))
def test_arbitrary_objects_are_a_message_or_protocol_error(body: dict[str, object]) -> None:
    try:
        decode_control(json.dumps(body))
    except ProtocolError:
        pass
