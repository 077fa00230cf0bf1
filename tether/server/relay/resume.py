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
from collections.abc import Awaitable, Callable

from tether.auth.tokens import hash_token, new_token, token_matches
from tether.protocol import (
    HEADER_SIZE,
    Ack,
    FlowMonitor,
    FrameType,
    Resume,
    Side,
    Token,
    decode,
    decode_header,
    encode,
    on_stream_zero,
    payload_size,
)
from tether.server.relay.endpoint import Endpoint

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
        self._previous_hash: str | None = None  # the token the client resumed with last (see issue_token)
        self._presented_hash: str | None = None  # the token of the ResumeSession now under way
        self._agent_token_hash: str | None = None
        self._agent_previous_hash: str | None = None
        self._agent_presented_hash: str | None = None
        # a client that took the session over: its offsets are the session's less these (see TakenOver)
        self.translated = False
        self.base_out = 0
        self.base_in = 0
        self.takeovers = 0
        self.takeover_pending = False  # the next attach token is for a new client taking the session over
        self._attach_hash: str | None = None
        self._attach_deadline = 0.0
        self._recorded = {Side.AGENT: 0, Side.CLIENT: 0}

    # -- tokens --------------------------------------------------------------------------------------------------

    def issue_token(self) -> bytes:
        """A new resume token, as the TOKEN frame that carries it to the client. The token the client resumed with
        stays valid beside it for one more attachment: a cut can take the TOKEN frame with it."""
        token = new_token()
        self._previous_hash, self._token_hash = self._presented_hash, hash_token(token)
        self._presented_hash = None
        return encode(Token(token))

    def token_valid(self, token: str) -> bool:
        """Whether `token` is the current resume token or the one the client last resumed with (it may not have
        received the newer one). A token stays valid until the next attachment replaces it (so a client whose new
        WebSocket failed may ask again): single use per attachment."""
        for hashed in (self._token_hash, self._previous_hash):
            if hashed is not None and token_matches(token, hashed):
                self._presented_hash = hashed
                return True
        return False

    def issue_agent_token(self) -> bytes:
        """The agent's resume token (for re-dialling its data channel), as a TOKEN frame. As for the client, the
        token the agent re-dialled with stays valid for one more attachment (a cut can take the new one with it)."""
        token = new_token()
        self._agent_previous_hash, self._agent_token_hash = self._agent_presented_hash, hash_token(token)
        self._agent_presented_hash = None
        return encode(Token(token))

    def take_agent_token(self, token: str) -> bool:
        """Whether `token` is the agent's current resume token or the one it re-dialled with last."""
        for hashed in (self._agent_token_hash, self._agent_previous_hash):
            if hashed is not None and token_matches(token, hashed):
                self._agent_presented_hash = hashed
                return True
        return False

    def issue_attach(self, ttl: float, *, takeover: bool = False) -> str:
        """A single-use token for the WebSocket of the next attachment, valid for `ttl` seconds; `takeover`: for a
        new client that takes the session over with a channel of its own (`tether session --resume`)."""
        token = new_token()
        self._attach_hash = hash_token(token)
        self._attach_deadline = time.monotonic() + ttl
        self.takeover_pending = takeover
        return token

    def take_attach(self, token: str) -> bool | None:
        """Use up the attach token: None if `token` is not it (or it expired), else whether it is a takeover."""
        hashed = self._attach_hash
        if hashed is None or not token_matches(token, hashed) or time.monotonic() > self._attach_deadline:
            return None
        self._attach_hash = None
        return self.takeover_pending

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


TAKEOVER_ATTEMPT = 0x80000000  # RESUME attempts the relay makes for a client taking the session over


class TakenOver:
    """A client that took the session over (`tether session --resume`) with a channel of its own, whose offsets
    start at 0 where the session's are at `base_out` (output) and `base_in` (input): this endpoint shifts the
    offsets of ACK and RESUME frames both ways, so the agent and the relay's monitor see one continuous client.

    The new client's HELLO is taken in (the agent has the session's), and in its place the agent gets a RESUME from
    `base_out`, the last output offset the previous client acknowledged (the new terminal shows what followed it);
    the agent's answer tells `base_in`, and until it arrives nothing from before reaches the new client."""

    def __init__(self, inner: Endpoint, resume: ResumeState, base_out: int, *, fresh: bool) -> None:
        self.inner = inner
        self.side = inner.side
        self.resume = resume
        self.send: Callable[[bytes], Awaitable[None]] = self._send
        self._fresh = fresh  # a new client's first attachment: its HELLO becomes the RESUME
        self._waiting = fresh  # for the agent's answer, which gives base_in
        if fresh:
            resume.base_out = base_out

    @property
    def closed(self) -> bool:
        return self.inner.closed

    async def close(self, code: int, reason: bytes) -> None:
        await self.inner.close(code, reason)

    async def receive(self) -> bytes:
        message = await self.inner.receive()
        ftype, stream = decode_header(message)
        if self._fresh and ftype == FrameType.HELLO:
            self._fresh = False
            self.resume.takeovers += 1
            return encode(Resume(0, self.resume.base_out, TAKEOVER_ATTEMPT + self.resume.takeovers))
        if ftype == FrameType.ACK and stream == 0:
            frame = decode(message)
            assert isinstance(frame, Ack)
            return encode(Ack(0, frame.offset + self.resume.base_out))
        if ftype == FrameType.RESUME and stream == 0:
            frame = decode(message)
            assert isinstance(frame, Resume)
            return encode(Resume(0, frame.offset + self.resume.base_out, frame.attempt, frame.answer))
        return message

    async def _send(self, message: bytes) -> None:
        ftype, stream = decode_header(message)
        if stream == 0 and ftype in (FrameType.ACK, FrameType.RESUME, FrameType.DATA):
            frame = decode(message)
            if isinstance(frame, Resume):
                if self._waiting and frame.answer and frame.attempt >= TAKEOVER_ATTEMPT:
                    self._waiting = False
                    self.resume.base_in = frame.offset
                    return
                message = encode(Resume(0, frame.offset - self.resume.base_in, frame.attempt, frame.answer))
            elif self._waiting:
                return  # from before the takeover: the agent resends the output after base_out
            elif isinstance(frame, Ack):
                if frame.offset < self.resume.base_in:
                    return  # input of the previous client
                message = encode(Ack(0, frame.offset - self.resume.base_in))
        await self.inner.send(message)
