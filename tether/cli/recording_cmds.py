"""`tether recordings`: fetch a session's recording and replay, print or save it; search recorded output; list a
port forward's streams; and show how the delivery of recordings to S3-compatible storage goes.

Recordings are downloaded with GetSessionRecording (streamed to a file, never held in memory) and read line by
line; the policy action `ecs:GetSessionRecording` on the instance decides who may see them. Where they are
delivered is set with `tether settings delivery`.
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

from tether.cli.common import (
    ConnectionFlags,
    collect,
    connection_options,
    fail,
    instance_option,
    json_option,
    note,
    principal_name,
    print_json,
    print_table,
    resolve_ref,
    run_async,
    time_option,
)
from tether.client.player import RecordingError, output_bytes, play, read_recording, truncation


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
            cut = truncation(path) if finished else None
        except RecordingError as exc:
            fail(f"{session_id}: {exc}")
    note("\r\n[end of recording]" if finished else "\r\n[stopped]")
    if cut is not None:
        note(f"[{cut}]")


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
            cut = truncation(path)
        except RecordingError as exc:
            fail(f"{session_id}: {exc}")
    if cut is not None:
        note(f"tether: {session_id}: {cut}")


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


def offset(seconds: float) -> str:
    """`00:01:23.4`: a time offset into a recording, to the tenth of a second (rounded down)."""
    tenths = int(max(seconds, 0.0) * 10)
    whole, tenth = divmod(tenths, 10)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{tenth}"


@recordings.command("search")
@click.argument("text")
@click.option("--user", metavar="USER", help="Only sessions started by this RAM user name or principal ARN.")
@instance_option("--instance", required=False, help="Only sessions on this instance (id, name, hostname or K=V).")
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
    if instance_id:
        instance_id = resolve_ref(conn, instance_id)
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

    listing = collect(conn, "SearchSessionRecordings", body, limit=limit)
    found = listing.items
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
    if listing.more:
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
    listing = collect(conn, "DescribePortForwardStreams", {"SessionId": session_id})
    document: dict[str, Any] = {"SessionId": session_id, "Streams": listing.items}
    # The first page alone carries the streams open now and the summary of those past the per-session cap.
    document.update({key: listing.first[key] for key in ("OpenStreams", "Unlisted") if key in listing.first})
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


@recordings.command("status")
@click.option("--failures", type=click.IntRange(1, 100), default=20, show_default=True, help="Failures to list.")
@json_option
@connection_options
def recordings_status(failures: int, as_json: bool, conn: ConnectionFlags) -> None:
    """Show the delivery queue: how many recordings wait, failed or arrived, and why the last attempts failed."""

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            return await api.call("DescribeDeliveryStatus", {"MaxFailures": failures})

    status = run_async(go)
    if as_json:
        print_json(status)
        return
    queue = status.get("Queue") or {}
    if status.get("Enabled"):
        extras = ["audit events too" if status.get("DeliverAuditEvents") else "recordings only"]
        days = status.get("LocalRetentionDays")
        extras.append("local copies removed at once" if days == 0 else f"local copies kept {days} days")
        click.echo(
            f"Delivery: enabled, to {status.get('Destination')} at {status.get('Endpoint') or 'AWS S3'} "
            f"({'; '.join(extras)})"
        )
    else:
        click.echo("Delivery: disabled (turn it on with: tether settings delivery --endpoint URL --bucket NAME ...)")
    click.echo(
        f"Queue: {queue.get('Pending', 0)} pending, {queue.get('FailedRetrying', 0)} failed-retrying, "
        f"{queue.get('Delivered', 0)} delivered, {queue.get('Failed', 0)} failed"
    )
    oldest, last = status.get("OldestPendingTime") or "-", status.get("LastDeliveryTime") or "-"
    click.echo(f"Oldest waiting: {oldest}   Last delivery: {last}")
    rows = status.get("Failures") or []
    if rows:
        click.echo("")
        print_table(
            ("KIND", "REF", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"),
            [
                (
                    r.get("Kind"),
                    r.get("Ref"),
                    r.get("State"),
                    r.get("Attempts"),
                    r.get("NextAttemptTime"),
                    r.get("LastError"),
                )
                for r in rows
            ],
        )
