"""Real disk failures under a real server process: a full filesystem (ENOSPC) and a file size limit (EFBIG).

With RecordingRequired the session must end promptly with a message the CLI prints, before the client gets the
output that was not recorded; without it the session goes on and the audit trail says what was not recorded.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.stack import Stack
from support.wait import eventually_sync

from tether.recording.recorder import FLUSH_SIZE

OUTPUT = 12_000_000  # bytes the remote command prints: more than the disk (or the file size limit) takes
COMMAND = f"head -c {OUTPUT} /dev/zero | tr '\\0' x; echo; echo END_OF_OUTPUT; sleep 20"
TMPFS_SIZE = 1 << 20
FSIZE_LIMIT = 8 << 20  # above what the database, its WAL and the log reach; below the recording


def _mount_tmpfs(where: Path) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    return proc.returncode == 0


@pytest.fixture(params=["full-disk", "file-size-limit"])
def failing_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Stack, str]]:
    """A stack whose recordings cannot be written past a point, and which error that gives."""
    stack = Stack(tmp_path)
    recordings = stack.server_dir / "recordings"
    mounted = False
    if request.param == "full-disk":
        if not _mount_tmpfs(recordings):
            pytest.skip("cannot mount a small tmpfs here (needs root); the file-size-limit case covers disk errors")
        mounted = True
        errno_name = "ENOSPC"
    else:
        errno_name = "EFBIG"
    try:
        stack.start_server()
        if request.param == "file-size-limit":
            assert stack.server is not None
            # the server ignores SIGXFSZ, so crossing the limit fails that one write with EFBIG
            resource.prlimit(stack.server.pid, resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))
        yield stack, errno_name
    finally:
        stack.close()
        if mounted:
            subprocess.run(["umount", "-l", str(recordings)], check=False)


def _configure(stack: Stack, **settings: object) -> None:
    stack.api("ModifyCloudAssistantSettings",
              {"SettingType": "SessionManagerConfig", "SessionManagerConfig": settings})


def _latest_session(stack: Stack, instance: str) -> dict[str, object]:
    sessions = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"]
    return sorted(sessions, key=lambda s: str(s["CreationTime"]))[-1]


def _failure_events(stack: Stack, session_id: str) -> list[dict[str, object]]:
    events = stack.api("LookupEvents", {"EventName": "RecordingFailed", "MaxResults": 100})["Events"]
    return [e for e in events if e.get("SessionId") == session_id]


def test_required_recording_ends_the_session_when_the_disk_fails(failing_stack: tuple[Stack, str]) -> None:
    stack, errno_name = failing_stack
    instance = stack.add_agent()
    _configure(stack, RecordingRequired=True)
    started = time.monotonic()
    proc = stack.cli("session", "-i", instance, "--command", COMMAND, check=False, timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 255, (proc.returncode, proc.stderr[-2000:])
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("tether: session ended: the recording disk failed"), proc.stderr[-2000:]
    assert errno_name in message and "this account requires recording" in message
    assert "END_OF_OUTPUT" not in proc.stdout and proc.stdout.count("x") < OUTPUT
    assert elapsed < 15  # ended promptly, not when the command's `sleep 20` is over

    session = _latest_session(stack, instance)
    assert session["EndReason"] == "recording_failed", session
    session_id = str(session["SessionId"])
    (event,) = eventually_sync(lambda: _failure_events(stack, session_id), what="the RecordingFailed event",
                               timeout=20)
    assert errno_name in str(event["Detail"]) and "the session was ended" in str(event["Detail"])
    # what the client got is at most what the recording holds plus what was buffered when the write failed
    # (the relay pauses the sender at every FLUSH_SIZE when recording is required: two of those at most)
    cat = subprocess.run([sys.executable, "-m", "tether", "recordings", "cat", session_id], env=stack.env(),
                         capture_output=True, timeout=60, check=False)
    assert cat.returncode == 0, cat.stderr
    shown, recorded = proc.stdout.count("x"), cat.stdout.count(b"x")
    assert shown <= recorded + 2 * FLUSH_SIZE + 65536, (shown, recorded)


def test_unrequired_recording_failure_lets_the_session_finish_and_audits_it(
    failing_stack: tuple[Stack, str],
) -> None:
    stack, errno_name = failing_stack
    instance = stack.add_agent()
    proc = stack.cli("session", "-i", instance, "--command", COMMAND.replace("sleep 20", "true"), check=False,
                     timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("x") == OUTPUT and "END_OF_OUTPUT" in proc.stdout

    session_id = str(_latest_session(stack, instance)["SessionId"])
    (event,) = eventually_sync(lambda: _failure_events(stack, session_id), what="the RecordingFailed event",
                               timeout=20)
    detail = str(event["Detail"])
    assert detail.startswith("output from ") and " s on is not recorded: write failed: " in detail, detail
    assert errno_name in detail and "ended" not in detail
    assert event["InstanceId"] == instance and event["SessionId"] == session_id


def test_recording_settings_from_the_cli(fresh_stack: Stack) -> None:
    """`tether settings recording` shows the policy and changes only the settings it is given."""
    assert fresh_stack.cli("settings", "recording").stdout.splitlines()[:3] == [
        "RecordSessions: true",
        "RecordingRequired: false",
        "RecordInput: false",
    ]
    shown = json.loads(fresh_stack.cli("settings", "recording", "--required", "--max-bytes", "65536", "--json").stdout)
    assert (shown["RecordingRequired"], shown["MaxRecordingBytes"], shown["RecordSessions"]) == (True, 65536, True)
    # the server refuses a contradiction, and the CLI says why in one line
    refused = fresh_stack.cli("settings", "recording", "--no-record", check=False)
    assert refused.returncode == 1 and "RecordingRequired" in refused.stderr, refused.stderr
    shown = json.loads(fresh_stack.cli("settings", "recording", "--not-required", "--no-record", "--json").stdout)
    assert (shown["RecordingRequired"], shown["RecordSessions"]) == (False, False)
