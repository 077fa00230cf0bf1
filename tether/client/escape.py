"""The ssh-style escape sequences typed into a session: `~.` disconnect, `~?` help, `~~` a literal tilde.

A pure state machine over input bytes, so it is tested with tables and never touches the terminal.

Invariants:
- the escape character is recognised only at the start of a line: at session start, or right after `\\r` or `\\n`;
- every input byte either appears in the output exactly once, or is part of a recognised escape (`~.`, `~?`, `~~`
  whose first tilde is dropped);
- a tilde at the end of one chunk waits for the next byte (it may be the start of an escape); it is never lost;
- after `~.` nothing more is produced: the session is ending.
"""

from __future__ import annotations

import enum

__all__ = ["HELP_TEXT", "EscapeAction", "EscapeParser"]


class EscapeAction(enum.Enum):
    """What a recognised escape asks the session to do."""

    DISCONNECT = "disconnect"
    HELP = "help"


HELP_TEXT = (
    "Supported escape sequences (after Enter):\n"
    " {c}.   - close the session\n"
    " {c}?   - this message\n"
    " {c}{c}   - send the escape character itself\n"
)


class EscapeParser:
    """Feed it raw stdin bytes; it returns the bytes to send and the actions to take, in order."""

    def __init__(self, escape_char: bytes | None = b"~") -> None:
        if escape_char is not None and len(escape_char) != 1:
            raise ValueError("the escape character must be one byte")
        self._escape = escape_char[0] if escape_char else None
        self._line_start = True
        self._pending_escape = False
        self._closed = False

    @property
    def escape_char(self) -> str | None:
        """The escape character, for help and messages."""
        return chr(self._escape) if self._escape is not None else None

    def feed(self, data: bytes) -> list[bytes | EscapeAction]:
        """Process `data`; returns bytes (coalesced) and actions interleaved in input order."""
        out: list[bytes | EscapeAction] = []
        if self._closed:
            return out
        if self._escape is None:
            return [data] if data else []
        buffer = bytearray()

        def flush() -> None:
            if buffer:
                out.append(bytes(buffer))
                buffer.clear()

        for byte in data:
            if self._pending_escape:
                self._pending_escape = False
                if byte == ord("."):
                    flush()
                    out.append(EscapeAction.DISCONNECT)
                    self._closed = True
                    return out
                if byte == ord("?"):
                    flush()
                    out.append(EscapeAction.HELP)
                    self._line_start = True
                    continue
                if byte == self._escape:
                    buffer.append(byte)
                    self._line_start = False
                    continue
                buffer.append(self._escape)
                buffer.append(byte)
                self._line_start = byte in (0x0D, 0x0A)
                continue
            if self._line_start and byte == self._escape:
                self._pending_escape = True
                continue
            buffer.append(byte)
            self._line_start = byte in (0x0D, 0x0A)
        flush()
        return out

    def finish(self) -> bytes:
        """At end of input: a tilde still waiting for its second byte is sent as is."""
        if self._pending_escape and self._escape is not None and not self._closed:
            self._pending_escape = False
            return bytes([self._escape])
        return b""
