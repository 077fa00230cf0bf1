"""`tether recordings`: fetch a session's recording and replay, print or save it.

Recordings are downloaded with GetSessionRecording (streamed to a file, never held in memory) and read line by
line; the policy action `ecs:GetSessionRecording` on the instance decides who may see them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from tether.cli.client_cmds import ConnectionFlags, connection_options, fail, note, run_async
from tether.client.player import RecordingError, output_bytes, play, read_recording


def _download(conn: ConnectionFlags, session_id: str, dest: Path) -> int:
    """Write the recording of `session_id` to `dest` (mode 0600: recordings can hold secrets)."""

    async def go() -> int:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            async with conn.client() as api:
                return await api.download("GetSessionRecording", {"SessionId": session_id}, f.write)

    return run_async(go)


@contextlib.contextmanager
def _fetched(conn: ConnectionFlags, session_id: str) -> Iterator[Path]:
    """The recording in a private temporary file, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tether-rec-") as tmp:
        path = Path(tmp) / f"{session_id}.cast"
        _download(conn, session_id, path)
        yield path


@click.group()
def recordings() -> None:
    """Replay, print or save the asciicast recording of a shell session."""


@recordings.command("play")
@click.argument("session_id")
@click.option("--speed", type=click.FloatRange(0.1, 100.0), default=1.0, show_default=True, help="Playback speed.")
@click.option("--idle-limit", type=click.FloatRange(0.0), default=None, help="Cut pauses longer than this (s).")
@connection_options
def play_cmd(session_id: str, speed: float, idle_limit: float | None, conn: ConnectionFlags) -> None:
    """Replay SESSION_ID in this terminal with its original timing; press q to stop."""
    with _fetched(conn, session_id) as path:
        try:
            keys = sys.stdin.fileno() if sys.stdin is not None and sys.stdin.isatty() else None
            finished = play(path, speed=speed, idle_limit=idle_limit, keys_fd=keys)
        except RecordingError as exc:
            fail(f"{session_id}: {exc}")
    note("\r\n[end of recording]" if finished else "\r\n[stopped]")


@recordings.command("cat")
@click.argument("session_id")
@connection_options
def cat_cmd(session_id: str, conn: ConnectionFlags) -> None:
    """Print the output of SESSION_ID (exact bytes, no timing), e.g. to grep it."""
    with _fetched(conn, session_id) as path, open(path, encoding="utf-8", errors="surrogateescape") as f:
        try:
            _, events = read_recording(f)
            out = sys.stdout.buffer
            for chunk in output_bytes(events):
                out.write(chunk)
            out.flush()
        except RecordingError as exc:
            fail(f"{session_id}: {exc}")


@recordings.command("export")
@click.argument("session_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the .cast file (asciinema tools read it).",
)
@connection_options
def export_cmd(session_id: str, output: Path, conn: ConnectionFlags) -> None:
    """Save the recording of SESSION_ID as an asciicast v2 file."""
    size = _download(conn, session_id, output)
    note(f"Wrote {output} ({size} bytes).")
