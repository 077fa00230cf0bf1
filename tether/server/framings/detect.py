"""Which framing a client data-channel connection speaks, known from its handshake whenever it can be.

The rules, in order (docs/protocol.md "Translated client framings" has the table and why each holds):
1. `Sec-WebSocket-Protocol` offers `tether.v1`: tether's own frames (the CLI and the console offer it);
2. an `X-Acs-Session-Token` header, even empty: ali-instance-cli (schema 1.01) always sends it;
3. a `channelId` query parameter: the browser client (1.02) reconnecting;
4. an `Origin` header (without the tether subprotocol): the browser client, which sends nothing until it has had
   Status(Opened), so it must not be made to wait;
5. otherwise the first message decides, read with a short deadline: tether's HELLO, "1.01" or "1.02" at offset 4;
   anything else is refused (close 1002 naming it), silence means the browser client.
"""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web

from tether.protocol import HEADER_SIZE, SUBPROTOCOL, FrameType, ProtocolError
from tether.protocol.axt import VERSION_101, VERSION_102

FIRST_MESSAGE_WAIT = 1.0  # seconds to wait for a first message when the handshake did not say


class Framing(StrEnum):
    TETHER = "tether"
    AXT101 = "1.01"
    AXT102 = "1.02"


def offered_protocols(request: web.Request) -> list[str]:
    return [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]


def from_handshake(request: web.Request) -> Framing | None:
    """The framing the handshake names, or None when only the first message can tell."""
    if SUBPROTOCOL in offered_protocols(request):
        return Framing.TETHER
    if "X-Acs-Session-Token" in request.headers:
        return Framing.AXT101
    if "channelId" in request.query or "Origin" in request.headers:
        return Framing.AXT102
    return None


def from_first_message(message: bytes) -> Framing:
    """The framing of a connection whose handshake did not say, from its first binary message."""
    if len(message) == HEADER_SIZE + 6 and message[0] == FrameType.HELLO:
        return Framing.TETHER
    version = message[4:8]
    if version == VERSION_101:
        return Framing.AXT101
    if version == VERSION_102:
        return Framing.AXT102
    raise ProtocolError(
        "unknown-framing", "the first message is neither a tether HELLO nor an Alibaba 1.01/1.02 frame"
    )
