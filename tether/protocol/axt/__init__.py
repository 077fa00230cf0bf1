"""The vocabulary shared by Alibaba's session framings (Cloud Assistant "axt" messages).

Alibaba's session clients (`ali-instance-cli`, schema "1.01"; the browser client, schema "1.02") and the Cloud
Assistant agent's session back end speak little-endian binary frames with a numbered message type and, for Status
frames, a channel state. Their layouts differ (tether/protocol/axt/client.py for the clients, agent.py for the
agent); these numbers are the same in all of them, so they live here once. Tether translates every one of them into
its own frames at the relay's edge (tether/server/framings, tether/server/assist): nothing past the edge sees them.
"""

from __future__ import annotations

from enum import IntEnum


class MessageType(IntEnum):
    """The u32 at offset 0 of every frame."""

    INPUT = 0  # client -> server -> agent: stdin or TCP bytes (an empty Input is the 1.02 client's heartbeat)
    OUTPUT = 1  # agent -> server -> client: PTY output or TCP bytes
    RESIZE = 2  # client -> agent: terminal size (i16 rows, i16 cols)
    CLOSE = 3  # client -> server: local EOF of a port-forward connection (payload "1")
    OPEN = 4  # client -> server (1.02 only; tether never needs it)
    STATUS = 5  # server -> client: u8 channel state + ASCII reason
    SYNC = 6  # both ways (1.02): "resend from my position"


class ChannelState(IntEnum):
    """The u8 at the start of a Status payload."""

    INITIAL = 0
    OPENING = 1
    ABORTED = 2
    OPENED = 3
    CLOSING = 4
    CLOSED = 5
    EXITED = 6
    STREAM = 7  # followed by a big-endian u32 bits-per-second rate limit
    FROZEN = 8


VERSION_101 = b"1.01"  # ali-instance-cli's frames, and the Cloud Assistant agent's
VERSION_102 = b"1.02"  # the browser client's frames
