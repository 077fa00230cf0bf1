"""Agent control-channel messages: JSON text, one object per WebSocket message (docs/protocol.md section 2).

Messages are frozen dataclasses. Decoding validates every field's type and size, ignores unknown fields (so server
and agent can be upgraded separately) and raises `ProtocolError` for anything else, including unknown types.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from tether.protocol import jsondepth
from tether.protocol.errors import ProtocolError
from tether.protocol.frames import DEFAULT_WINDOW

MAX_CONTROL_MESSAGE = 65536
MAX_FIELD = 8192


@dataclass(frozen=True, slots=True)
class Challenge:
    """Server to agent: sign this nonce to prove you hold the instance's key."""

    TYPE: ClassVar[str] = "challenge"
    nonce: str
    server_time: str = ""


@dataclass(frozen=True, slots=True)
class AgentHello:
    """Agent to server: the signed challenge and what the agent is."""

    TYPE: ClassVar[str] = "hello"
    instance_id: str
    signature: str
    agent_version: str = ""
    hostname: str = ""
    os_type: str = ""
    os_name: str = ""
    capabilities: tuple[str, ...] = ()
    # The login user a shell gets when none is asked, whether it can really sudo, and sentences for people about
    # either ("sudo is not installed: ..."). Empty from agents that predate them.
    default_user: str = ""
    default_user_sudo: bool = False
    notices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Welcome:
    """Server to agent: authenticated; send heartbeats this often."""

    TYPE: ClassVar[str] = "welcome"
    heartbeat_interval: float = 30.0


@dataclass(frozen=True, slots=True)
class OpenSession:
    """Server to agent: start a session by dialing `data_url` with `token`."""

    TYPE: ClassVar[str] = "open"
    session_id: str
    kind: str
    data_url: str
    token: str
    username: str | None = None
    command: str | None = None
    idle_timeout: float = 1200.0
    max_duration: float = 28800.0
    window: int = DEFAULT_WINDOW
    target_host: str | None = None  # port_forward: the host every stream connects to ("127.0.0.1" for the machine)
    target_port: int | None = None  # port_forward: the port
    # shell: start it with PR_SET_NO_NEW_PRIVS, so nothing in it can gain privilege (the caller may not use sudo);
    # sent only to agents with the `no_new_privileges` capability, which refuse the session if they cannot apply it
    no_new_privileges: bool = False

    def __repr__(self) -> str:  # never print the token
        return f"OpenSession(session_id={self.session_id!r}, kind={self.kind!r}, username={self.username!r})"


@dataclass(frozen=True, slots=True)
class TerminateSession:
    """Server to agent: end a session now."""

    TYPE: ClassVar[str] = "terminate"
    session_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SessionFailed:
    """Agent to server: the session could not start."""

    TYPE: ClassVar[str] = "session_failed"
    session_id: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """Agent to server: the session ended."""

    TYPE: ClassVar[str] = "session_ended"
    session_id: str
    exit_status: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PushKey:
    """Server to agent: make `public_key` valid for `username` over SSH for `lifetime` seconds."""

    TYPE: ClassVar[str] = "push_key"
    request_id: str
    username: str
    public_key: str
    lifetime: float = 60.0


@dataclass(frozen=True, slots=True)
class PushKeyResult:
    """Agent to server: the outcome of a `push_key` (code and message set when it failed)."""

    TYPE: ClassVar[str] = "push_key_result"
    request_id: str
    ok: bool
    code: str = ""
    message: str = ""
    expires_at: str = ""


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Agent to server: still here, with this many sessions."""

    TYPE: ClassVar[str] = "heartbeat"
    sessions: int = 0


@dataclass(frozen=True, slots=True)
class ControlError:
    """Either direction: a problem with the previous message, or why the channel is about to close."""

    TYPE: ClassVar[str] = "error"
    code: str
    message: str


ControlMessage = (
    Challenge
    | AgentHello
    | Welcome
    | OpenSession
    | TerminateSession
    | SessionFailed
    | SessionEnded
    | PushKey
    | PushKeyResult
    | Heartbeat
    | ControlError
)

_TYPES: dict[str, type[Any]] = {
    cls.TYPE: cls
    for cls in (
        Challenge,
        AgentHello,
        Welcome,
        OpenSession,
        TerminateSession,
        SessionFailed,
        SessionEnded,
        PushKey,
        PushKeyResult,
        Heartbeat,
        ControlError,
    )
}


def encode_control(message: ControlMessage) -> str:
    """Serialise a control message to the JSON text of one WebSocket message."""
    body: dict[str, Any] = {"type": message.TYPE}
    for f in dataclasses.fields(message):
        value = getattr(message, f.name)
        body[f.name] = list(value) if isinstance(value, tuple) else value
    text = json.dumps(body, separators=(",", ":"))
    if len(text) > MAX_CONTROL_MESSAGE:
        raise ProtocolError("message-too-large", f"control message of {len(text)} bytes is too large")
    return text


def _coerce(cls: type[Any], name: str, annotation: str, value: Any) -> Any:
    where = f"{cls.TYPE}.{name}"
    optional = annotation.endswith("| None")
    if value is None:
        if optional:
            return None
        raise ProtocolError("bad-field", f"{where} must not be null")
    base = annotation.removesuffix(" | None")
    if base == "str":
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            raise ProtocolError("bad-field", f"{where} must be a string of at most {MAX_FIELD} characters")
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError("bad-field", f"{where} must be an integer")
        return value
    if base == "bool":
        if not isinstance(value, bool):
            raise ProtocolError("bad-field", f"{where} must be true or false")
        return value
    if base == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ProtocolError("bad-field", f"{where} must be a non-negative number")
        return float(value)
    if base == "tuple[str, ...]":
        if not isinstance(value, list) or len(value) > 64 or not all(isinstance(v, str) for v in value):
            raise ProtocolError("bad-field", f"{where} must be a list of at most 64 strings")
        return tuple(value)
    raise ProtocolError("bad-field", f"{where} has an unsupported type")  # pragma: no cover - programming error


def decode_control(text: str | bytes) -> ControlMessage:
    """Parse one control message; raise `ProtocolError` naming the problem."""
    if len(text) > MAX_CONTROL_MESSAGE:
        raise ProtocolError("message-too-large", f"control message of {len(text)} bytes exceeds {MAX_CONTROL_MESSAGE}")
    try:
        body = jsondepth.loads(text)
    except jsondepth.JsonDepthError:
        raise ProtocolError("bad-json", f"control message nests deeper than {jsondepth.MAX_DEPTH} levels") from None
    except ValueError:  # also UnicodeDecodeError
        raise ProtocolError("bad-json", "control message is not valid JSON") from None
    if not isinstance(body, dict):
        raise ProtocolError("bad-json", "control message must be a JSON object")
    kind = body.get("type")
    cls = _TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError("unknown-type", f"unknown control message type {kind!r}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in body:
            kwargs[f.name] = _coerce(cls, f.name, str(f.type), body[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ProtocolError("missing-field", f"{cls.TYPE} message lacks {f.name!r}")
    return cls(**kwargs)  # type: ignore[no-any-return]


__all__ = [
    "MAX_CONTROL_MESSAGE",
    "AgentHello",
    "Challenge",
    "ControlError",
    "ControlMessage",
    "Heartbeat",
    "OpenSession",
    "PushKey",
    "PushKeyResult",
    "SessionEnded",
    "SessionFailed",
    "TerminateSession",
    "Welcome",
    "decode_control",
    "encode_control",
]
