"""Taps on the relay's frame path: what a session's frames are recorded as, without the relay knowing how.

A shell session gets a `RecordingTap` (asciicast v2 through tether/recording/recorder.py), a port-forward session a
`StreamTap` (one record per TCP stream through tether/recording/streams.py), an unrecorded session none. The relay
calls `observe` for every frame before forwarding it; it is synchronous and cheap (a header test and an append to
memory), and only when it returns True does the relay `await hold()`: to wait for a congested recording to drain
(back-pressure on the sender, like a slow peer), or to learn that the frame must not pass because a required
recording stopped.

`open_tap` also applies the account's recording policy. With RecordingRequired, a recording that cannot start
ends the session before either side forwards DATA, and one that stops (disk error, size cap) ends it before the
frame that was not recorded is forwarded; the client is told why in an ERROR frame, which the CLI prints.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from tether.protocol import (
    CloseCode,
    FrameType,
    SessionKind,
    Side,
    decode,
    on_stream_zero,
    payload_of,
    payload_size,
    resize_of,
    stream_of,
)
from tether.protocol.frames import Close, Open, OpenFail
from tether.recording.recorder import Recorder, RecordingPolicy, Recordings
from tether.recording.streams import StreamLog
from tether.server.relay.outcome import Outcome
from tether.store import ForwardStreamRepo

log = logging.getLogger(__name__)

# (reason, time offset in the recording from which output is missing, or None for stream records)
FailureHandler = Callable[[str, float | None], Awaitable[None]]


class Tap(Protocol):
    def observe(self, from_client: bool, ftype: FrameType, data: bytes) -> bool:
        """Note one frame about to be forwarded; True if the relay must `await hold()` before forwarding it."""
        ...

    async def hold(self) -> Outcome | None:
        """Wait until the frame may pass; an Outcome if it must not (the session ends instead)."""
        ...

    def must_stop(self) -> bool:
        """Whether recording is required and this tap can no longer record (the session must end)."""
        ...

    def stopped(self, reason: str) -> Outcome:
        """How the session ends when recording is required and this tap stopped recording for `reason`."""
        ...

    async def close(self, reason: str, exit_status: int | None) -> None:
        """The session ended: write what is left and seal the record."""
        ...


def lost(what: str) -> Outcome:
    """How a session ends when its recording is required and is gone: the client sees `error` (the CLI prints it as
    "tether: ..."); 1008 (policy) with a short reason for clients that show only the close."""
    return Outcome(
        "recording_failed",
        CloseCode.POLICY_VIOLATION,
        "recording failed and this account requires recording",
        f"session ended: {what} and this account requires recording",
    )


class RecordingTap:
    """A shell session's output (and, if the account says so, input) and resizes, into its asciicast recording."""

    __slots__ = ("recorder", "recordings")

    def __init__(self, recorder: Recorder, recordings: Recordings) -> None:
        self.recorder = recorder
        self.recordings = recordings

    def observe(self, from_client: bool, ftype: FrameType, data: bytes) -> bool:
        recorder = self.recorder
        if ftype == FrameType.DATA:
            if not on_stream_zero(data):
                return False
            if not from_client:
                recorder.output(payload_of(data))
            elif recorder.record_input:
                recorder.input(payload_of(data))
            return recorder.congested or self.must_stop()
        if ftype == FrameType.RESIZE and from_client:
            recorder.resize(*resize_of(data))
        return False

    async def hold(self) -> Outcome | None:
        recorder = self.recorder
        if recorder.congested:
            await recorder.drained()
        if self.must_stop():
            return self.stopped("")  # this frame is not in the recording: it must not pass
        return None

    def must_stop(self) -> bool:
        return self.recorder.required and not self.recorder.active

    def stopped(self, reason: str) -> Outcome:
        recorder = self.recorder  # its own failure text says more than the reason it reported
        if recorder.failure is not None:
            return lost(f"the recording disk failed ({recorder.failure})")
        return Outcome(
            "recording_limit",
            CloseCode.POLICY_VIOLATION,
            "the recording size limit was reached and this account requires recording",
            f"session ended: its recording reached the size limit of {recorder.max_bytes} bytes "
            "and this account requires recording",
        )

    async def close(self, reason: str, exit_status: int | None) -> None:
        await self.recordings.finish(self.recorder, exit_status)


class StreamTap:
    """A port-forward session's streams: target, times and bytes each way, one record per TCP connection."""

    __slots__ = ("streams",)

    def __init__(self, streams: StreamLog) -> None:
        self.streams = streams

    def observe(self, from_client: bool, ftype: FrameType, data: bytes) -> bool:
        """Counters for DATA; a decode only for the rare frames that open or close a stream."""
        streams = self.streams
        if ftype == FrameType.DATA:
            if from_client:
                streams.to_target(stream_of(data), payload_size(data))
            else:
                streams.from_target(stream_of(data), payload_size(data))
        elif ftype in (FrameType.OPEN, FrameType.OPEN_FAIL, FrameType.CLOSE):
            frame = decode(data)
            if isinstance(frame, Open) and from_client:
                streams.opened(frame.stream, frame.target)
            elif isinstance(frame, OpenFail) and not from_client:
                streams.closed(frame.stream, f"open failed: {frame.reason or 'no reason given'}")
            elif isinstance(frame, Close) and frame.stream:
                side = Side.CLIENT if from_client else Side.AGENT
                streams.closed(frame.stream, f"{side}: {frame.reason or 'closed'}")
        return False

    async def hold(self) -> Outcome | None:
        return None

    def must_stop(self) -> bool:
        return False  # a failed stream log reports itself (through the failure handler) and ends the session there

    def stopped(self, reason: str) -> Outcome:
        return lost(f"the stream records could not be written ({reason})")

    async def close(self, reason: str, exit_status: int | None) -> None:
        await self.streams.close(f"session ended: {reason}")


class TapFailed(Exception):
    """The session's recording could not start; the message is the underlying error."""


async def open_tap(
    *,
    session_id: str,
    instance_id: str,
    kind: SessionKind,
    login_user: str,
    command: str | None,
    size: tuple[int, int] | None,
    policy: RecordingPolicy,
    recordings: Recordings,
    streams: ForwardStreamRepo,
    on_failure: FailureHandler,
    login_shell: str | None = None,
) -> Tap | None:
    """The session's tap under `policy` (None: nothing is recorded); raises TapFailed if its recording could not
    start, which leaves the session unrecorded: whether that ends it is the caller's decision (`policy.required`).
    `login_shell` is the shell the agent reported (None: unknown, the recording says /bin/sh).
    `size` is the terminal size the client already announced (its RESIZE may cross before the recording exists)."""
    if not policy.record:
        return None
    if kind == SessionKind.PORT_FORWARD:

        async def streams_failed(reason: str) -> None:
            await on_failure(reason, None)

        return StreamTap(StreamLog(session_id, streams, on_failure=streams_failed))
    if kind != SessionKind.SHELL:
        return None

    async def failed(reason: str, since: float) -> None:
        await on_failure(reason, since)

    try:
        recorder = await recordings.begin(
            session_id,
            instance_id=instance_id,
            login_user=login_user,
            login_shell=login_shell,
            command=command,
            policy=policy,
            on_failure=failed,
        )
    except Exception as exc:
        log.exception("session %s: could not start its recording", session_id)
        raise TapFailed(str(exc)) from exc
    if size is not None:
        recorder.resize(*size)
    return RecordingTap(recorder, recordings)
