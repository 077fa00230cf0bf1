"""The one exception the protocol layer raises.

Every decoding or state violation becomes a `ProtocolError`, so the I/O layers can catch exactly one type and close
only the offending connection, never crash the process that serves others.
"""

from __future__ import annotations


class ProtocolError(ValueError):
    """A peer sent something the protocol does not allow.

    `code` is a short stable identifier (for logs, close reasons and tests); the message says what was wrong.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
