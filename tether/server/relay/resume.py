"""What the relay keeps so that a shell session outlives its client's connection (docs/protocol.md section 6).

A client that asked for it when it first attached (`resumable=1`) gets a resume token in a TOKEN frame after the
agent's HELLO, and a new one each time it reattaches. When its WebSocket breaks (anything but an orderly close),
the session stays Connected with the client detached for the resume window; ResumeSession (the same principal,
authorised like StartTerminalSession, with the current resume token, which the next attachment replaces) mints a
single-use attach token for the new WebSocket. Tokens are kept hashed and compared in constant time.

Recording stays exact across the resend: the relay tracks, per direction, the stream offset up to which DATA was
shown to the tap, and shows it only the bytes beyond (a resent frame, or the resent part of one, is not recorded
twice).
"""

from __future__ import annotations

import asyncio
import time

from tether.auth.tokens import hash_token, new_token, token_matches
from tether.protocol import HEADER_SIZE, FlowMonitor, Side, Token, encode, on_stream_zero, payload_size

DEFAULT_RESUME_WINDOW = 300.0


class ResumeState:
    """The resume side of one relay session: tokens, the detach deadline, the recorded offsets."""

    def __init__(self, window: float, *, agent_redials: bool = False) -> None:
        self.window = window
        self.agent_redials = agent_redials  # the agent re-dials a broken data channel (else that ends the session)
        # per side: an endpoint is attached (cleared while that side is detached)
        self.attached = {side: asyncio.Event() for side in Side}
        for event in self.attached.values():
            event.set()
        self.timer: asyncio.TimerHandle | None = None
        self.detaches = 0
        self._token_hash: str | None = None
        self._agent_token_hash: str | None = None
        self._attach_hash: str | None = None
        self._attach_deadline = 0.0
        self._recorded = {Side.AGENT: 0, Side.CLIENT: 0}

    # -- tokens --------------------------------------------------------------------------------------------------

    def issue_token(self) -> bytes:
        """A new resume token (the previous one is void), as the TOKEN frame that carries it to the client."""
        token = new_token()
        self._token_hash = hash_token(token)
        return encode(Token(token))

    def token_valid(self, token: str) -> bool:
        """Whether `token` is the current resume token. It stays valid until the next attachment replaces it (so a
        client whose new WebSocket failed may ask again), which makes it single use per attachment."""
        hashed = self._token_hash
        return hashed is not None and token_matches(token, hashed)

    def issue_agent_token(self) -> bytes:
        """The agent's resume token (for re-dialling its data channel), as a TOKEN frame; the previous one is void."""
        token = new_token()
        self._agent_token_hash = hash_token(token)
        return encode(Token(token))

    def take_agent_token(self, token: str) -> bool:
        """Use up the agent's resume token if `token` is it; the reattach then issues the next one."""
        hashed = self._agent_token_hash
        if hashed is None or not token_matches(token, hashed):
            return False
        self._agent_token_hash = None
        return True

    def issue_attach(self, ttl: float) -> str:
        """A single-use token for the WebSocket of the next attachment, valid for `ttl` seconds."""
        token = new_token()
        self._attach_hash = hash_token(token)
        self._attach_deadline = time.monotonic() + ttl
        return token

    def take_attach(self, token: str) -> bool:
        hashed = self._attach_hash
        if hashed is None or not token_matches(token, hashed) or time.monotonic() > self._attach_deadline:
            return False
        self._attach_hash = None
        return True

    # -- recording -----------------------------------------------------------------------------------------------

    def fresh(self, monitor: FlowMonitor, side: Side, message: bytes) -> bytes | None:
        """The part of a checked DATA frame of `side` that the tap has not seen yet (None: all of it was seen)."""
        if not on_stream_zero(message):
            return message
        end = monitor.sent(side, 0)
        start = end - payload_size(message)
        mark = self._recorded[side]
        if end <= mark:
            return None
        self._recorded[side] = end
        if start >= mark:
            return message
        return message[:HEADER_SIZE] + message[HEADER_SIZE + (mark - start) :]
