"""How a session should end, as decided on the relay's frame path (by a side's loop or a tap)."""

from __future__ import annotations

from dataclasses import dataclass

from tether.protocol import CloseCode


@dataclass(frozen=True)
class Outcome:
    """`reason` for the session row (None: the session has already ended, nothing to do), the close `code` and
    `message` for both sockets, and an `error` shown to the client in an ERROR frame before the close."""

    reason: str | None
    code: int = CloseCode.OK
    message: str = ""
    error: str | None = None


ALREADY_ENDED = Outcome(None)
