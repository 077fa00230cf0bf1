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
from typing import Any

import click

from tether.cli.client_cmds import (
    ConnectionFlags,
    connection_options,
    fail,
    json_option,
    note,
    principal_name,
    print_json,
    run_async,
    time_option,
)
from tether.cli.delivery_cmds import recordings_status
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


_SEARCH_PAGES = 1000  # pages followed at most whatever the server says


def offset(seconds: float) -> str:
    """`00:01:23.4`: a time offset into a recording, to the tenth of a second (rounded down)."""
    tenths = int(max(seconds, 0.0) * 10)
    whole, tenth = divmod(tenths, 10)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{tenth}"


@recordings.command("search")
@click.argument("text")
@click.option("--user", metavar="USER", help="Only sessions started by this RAM user name or principal ARN.")
@click.option("--instance", "instance_id", metavar="INSTANCE", help="Only sessions on this instance.")
@time_option("--since", help="Only sessions started at or after: ISO time, or 30m / 2h / 3d ago.")
@time_option("--until", help="Only sessions started before: ISO time, or a duration ago.")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True, help="At most this many.")
@click.option("--lines", type=click.IntRange(1, 50), default=5, show_default=True, help="Matching lines per session.")
@json_option
@connection_options
def search_cmd(
    text: str,
    user: str | None,
    instance_id: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    lines: int,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Find the sessions whose output contains TEXT, newest first, with the matching lines and their time offsets.

    TEXT is words (all must be on one line, in any order, any case), "quoted phrases", or `word*` for a prefix.
    Only sessions whose recordings you may read (ecs:GetSessionRecording) are shown. Exits 1 when nothing
    matches, like grep. Replay a hit with `tether recordings play SESSION_ID`.
    """
    body: dict[str, Any] = {
        key: value
        for key, value in (
            ("Text", text),
            ("Principal", user),
            ("InstanceId", instance_id),
            ("StartTimeAfter", since),
            ("StartTimeBefore", until),
        )
        if value
    }
    body["MaxLinesPerSession"] = lines

    async def go() -> tuple[list[dict[str, Any]], bool]:
        found: list[dict[str, Any]] = []
        token: str | None = None
        async with conn.client() as api:
            for _ in range(_SEARCH_PAGES):
                page = {**body, "MaxResults": min(100, limit - len(found))}
                if token:
                    page["NextToken"] = token
                response = await api.call("SearchSessionRecordings", page)
                found.extend(s for s in response.get("Sessions") or [] if isinstance(s, dict))
                token = response.get("NextToken") or None
                if not token or len(found) >= limit:
                    break
        return found[:limit], bool(token)

    found, more = run_async(go)
    if as_json:
        print_json({"Sessions": found})
    else:
        for n, hit in enumerate(found):
            who = principal_name(hit.get("PrincipalId"))
            login = f" as {hit['Username']}" if hit.get("Username") else ""
            started = hit.get("StartTime") or hit.get("CreationTime")
            if n:
                click.echo()
            click.echo(f"{hit.get('SessionId')}  {hit.get('InstanceId')}  {who}{login}  {started}")
            for line in hit.get("Lines") or []:
                click.echo(f"  [{offset(float(line.get('Time') or 0))}] {line.get('Text')}")
            if hit.get("MoreLines"):
                click.echo("  ...")
    if more:
        note(f"tether: more sessions match; raise --limit (now {limit}) or narrow with --user/--instance/--since")
    if not found:
        note(f"tether: no recorded output matches {text!r}")
        sys.exit(1)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


@recordings.command("streams")
@click.argument("session_id")
@json_option
@connection_options
def streams_cmd(session_id: str, as_json: bool, conn: ConnectionFlags) -> None:
    """List the TCP streams of port-forward session SESSION_ID: target, open and close time, bytes each way.

    Streams appear once closed (within a second) and, while the session runs on the server you ask, as open.
    A session keeps at most 10 000 stream rows; the rest are counted in one "unlisted" line."""

    async def go() -> dict[str, Any]:
        document: dict[str, Any] = {"SessionId": session_id, "Streams": []}
        body: dict[str, Any] = {"SessionId": session_id, "MaxResults": 500}
        async with conn.client() as api:
            while True:
                page = await api.call("DescribePortForwardStreams", body)
                document["Streams"].extend(page.get("Streams", []))
                for key in ("OpenStreams", "Unlisted"):
                    if key in page:
                        document[key] = page[key]
                token = page.get("NextToken")
                if not token:
                    return document
                body["NextToken"] = token

    document = run_async(go)
    if as_json:
        print_json(document)
        return
    rows = [*document["Streams"], *document.get("OpenStreams", [])]
    if not rows and "Unlisted" not in document:
        note(f"{session_id} has no stream records yet.")
        return
    click.echo(
        f"{'STREAM':>6}  {'TARGET':<28} {'OPENED':<20} {'CLOSED':<20} {'TO TARGET':>10} {'FROM TARGET':>11}  REASON"
    )
    for s in rows:
        click.echo(
            f"{s['StreamId']:>6}  {s['Target']:<28} {s['OpenTime'] or '-':<20} {s['CloseTime'] or 'open':<20} "
            f"{_size(s['BytesToTarget']):>10} {_size(s['BytesFromTarget']):>11}  {s['CloseReason'] or ''}"
        )
    unlisted = document.get("Unlisted")
    if unlisted:
        more = f"({unlisted['Streams']} more, not listed)"
        click.echo(
            f"{'':>6}  {more:<28} {unlisted['FirstOpenTime'] or '-':<20} "
            f"{unlisted['LastCloseTime'] or '-':<20} {_size(unlisted['BytesToTarget']):>10} "
            f"{_size(unlisted['BytesFromTarget']):>11}"
        )


recordings.add_command(recordings_status)  # `tether recordings status`: the S3 delivery queue (delivery_cmds.py)
