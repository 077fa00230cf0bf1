"""The agent's coded error: a machine-readable code plus a sentence for people.

Most of what the agent refuses ends up in a control message that carries both halves separately (`session_failed`,
`push_key_result`) or in a CLI error line; one base class keeps that shape in one place, and lets a caller that only
forwards the pair (`code`, `message`) catch every kind at once. Errors that never reach the wire as a code (a bad
state directory, a stream that could not be opened) stay plain exceptions in their own modules.
"""

from __future__ import annotations


class AgentError(Exception):
    """An error with a stable `code` (e.g. `InvalidUser.NotFound`) and a `message`; `str(e)` is the message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message
