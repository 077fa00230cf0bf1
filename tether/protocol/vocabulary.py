"""The words every hop must spell the same: WebSocket close codes, session kinds and the two sides of a session.

They used to be bare strings and integers in the relay, the API, the CLI and the agent, where a typo is a silent
mismatch; as enums here they are checked once. `SessionKind` and `Side` are `StrEnum`s, so they compare, hash and
serialise (JSON, database columns) exactly as the strings they replace.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CloseCode(IntEnum):
    """WebSocket close codes tether sends or acts on (RFC 6455 section 7.4, plus tether's own 4000-range codes)."""

    OK = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    ABNORMAL = 1006  # never sent: what a reader reports when the connection broke without a close frame
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012  # the server is restarting: reconnect (an agent may land on another node)
    TRY_AGAIN_LATER = 1013
    REPLACED = 4000  # a newer control connection for the same instance took over this one
    ENDED = 4001  # EndTerminalSession ended the session: a client must not start a new one on its own
    REATTACHED = 4002  # another client resumed this session (ResumeSession): this attachment is over


class SessionKind(StrEnum):
    """What a session carries; the value is stored in `sessions.kind` and sent in OpenSession."""

    SHELL = "shell"  # one PTY on stream 0
    PORT_FORWARD = "port_forward"  # TCP connections to one target, one stream each


class Side(StrEnum):
    """The two ends of a session's data path as the relay sees them."""

    AGENT = "agent"
    CLIENT = "client"

    @property
    def other(self) -> Side:
        return Side.CLIENT if self is Side.AGENT else Side.AGENT


# The WebSocket subprotocol tether's own clients offer on a client data channel: the server then knows at once that
# the connection speaks tether's frames and not one of the Alibaba client framings it also accepts on that URL.
SUBPROTOCOL = "tether.v1"

# The header of an agent's data-channel upgrade that names the login shell a shell session runs (the user's passwd
# entry): the server cannot know it, and the recording's header (`env.SHELL`) should say what really ran.
LOGIN_SHELL_HEADER = "X-Tether-Login-Shell"
MAX_LOGIN_SHELL = 256


def login_shell(value: str | None) -> str | None:
    """The header's value if it is a plausible shell path (absolute, printable, bounded), else None (not reported)."""
    if not value or len(value) > MAX_LOGIN_SHELL or not value.startswith("/"):
        return None
    if not value.isprintable() or any(c.isspace() for c in value):
        return None
    return value
