"""A shell session is recorded by the relay and can be printed, exported and replayed to the same screen."""

from __future__ import annotations

import io
import json
import pwd
import signal
import socket
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pexpect
import pyte
from support.stack import Stack, read_json_document
from support.wait import eventually_sync


def screen_of(data: bytes, cols: int = 100, rows: int = 30) -> list[str]:
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(data)
    return list(screen.display)


def latest_session(stack: Stack, instance: str) -> dict[str, object]:
    sessions = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"]
    return sorted(sessions, key=lambda s: str(s["CreationTime"]))[-1]


def test_recording_replays_to_the_live_screen(stack: Stack, instance: str, tmp_path: Path) -> None:
    child = stack.session(instance, cols=100, rows=30)
    captured = io.BytesIO()
    child.logfile_read = captured  # every byte the live CLI wrote to its terminal
    child.expect(rb"\$ ")  # type only once the CLI holds the terminal in raw mode (no local echo)
    child.send(b"printf '\\033[1;31mred\\033[0m plain \\346\\227\\245\\346\\234\\254\\n'; echo REC_$((9*9))\r")
    child.expect(b"REC_81")
    child.send(b"exit 2\r")
    child.expect(pexpect.EOF)
    child.close()
    # what the live CLI drew, less its own closing line (written by the CLI, not by the remote shell)
    live = captured.getvalue().split(f"Connection to {instance} closed.".encode())[0]
    assert child.exitstatus == 2

    session = latest_session(stack, instance)
    recording = session["Recording"]
    assert isinstance(recording, dict) and recording["Sealed"], session
    session_id = str(session["SessionId"])

    cat = subprocess.run([sys.executable, "-m", "tether", "recordings", "cat", session_id], env=stack.env(),
                         capture_output=True, timeout=60, check=False)
    assert cat.returncode == 0, cat.stderr
    assert "日本".encode() in cat.stdout and b"REC_81" in cat.stdout
    assert b"\x1b[1;31mred\x1b[0m" in cat.stdout

    out = tmp_path / "s.cast"
    stack.cli("recordings", "export", session_id, "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2
    # the shell the agent really started: the login user's passwd entry, not a constant /bin/sh
    assert header["env"]["SHELL"] == pwd.getpwnam(str(session["Username"])).pw_shell, header
    # the header has the size the shell started with; a resize that reached the agent after the shell started
    # (its grace period is short) follows as an "r" event: either way the terminal ends up 100x30
    sizes = [f"{header['width']}x{header['height']}"] + [e[2] for e in map(json.loads, lines[1:]) if e[1] == "r"]
    assert sizes[-1] == "100x30", sizes
    assert json.loads(lines[-1])[1:] == ["m", "exit 2"]
    # the asciinema tools read it: `asciinema cat` prints the same output bytes
    asciinema = subprocess.run([sys.executable, "-m", "asciinema", "cat", str(out)], capture_output=True,
                               timeout=60, check=False)
    assert asciinema.returncode == 0, asciinema.stderr
    assert asciinema.stdout == cat.stdout

    # the recorded output drawn on a terminal emulator equals what the live CLI drew
    assert screen_of(cat.stdout) == screen_of(live)
    play = subprocess.run([sys.executable, "-m", "tether", "recordings", "play", session_id, "--speed", "50",
                           "--idle-limit", "0.1"], env=stack.env(), capture_output=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL)
    assert play.returncode == 0, play.stderr
    assert screen_of(play.stdout.replace(b"\x1b]2;", b"\x1b]0;")) == screen_of(cat.stdout)


def test_input_is_not_recorded_by_default(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    child.send(b"stty -echo; echo SECRET_NOT_ECHOED_$((1+1)) >/dev/null; echo DONE_$((3+3))\r")
    child.expect(b"DONE_6")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    session_id = str(latest_session(stack, instance)["SessionId"])
    raw = subprocess.run([sys.executable, "-m", "tether", "recordings", "export", session_id, "-o", "/dev/stdout"],
                         env=stack.env(), capture_output=True, timeout=60, check=False).stdout
    events = [json.loads(line) for line in raw.decode().splitlines()[1:] if line.strip()]
    assert not any(kind == "i" for _, kind, _ in events)


def test_user_without_permission_cannot_fetch_a_recording(stack: Stack, instance: str) -> None:
    proc = stack.cli("session", "-i", instance, "--command", "echo for-the-record")
    assert "for-the-record" in proc.stdout
    session_id = str(latest_session(stack, instance)["SessionId"])
    stack.api("CreateUser", {"UserName": "no-recordings"})
    key = stack.api("CreateAccessKey", {"UserName": "no-recordings"})["AccessKey"]
    env = stack.env() | {"TETHER_ACCESS_KEY_ID": key["AccessKeyId"], "TETHER_ACCESS_KEY_SECRET": key["AccessKeySecret"]}
    denied = subprocess.run([sys.executable, "-m", "tether", "recordings", "cat", session_id], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert denied.returncode != 0
    assert "Forbidden.RAM" in denied.stderr or "not authorized" in denied.stderr.lower(), denied.stderr


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


def test_port_forward_streams_are_recorded_and_listed(stack: Stack, instance: str) -> None:
    echo = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    echo.daemon_threads = True
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    port = echo.server_address[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tether", "portforward", "-i", instance, "--remote-port", str(port),
         "--local-port", "0", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=stack.env(), text=True,
    )
    try:
        local = int(read_json_document(proc.stdout)["LocalPort"])
        for size in (1000, 70_000):
            with socket.create_connection(("127.0.0.1", local), timeout=10) as conn:
                conn.sendall(b"e" * size)
                conn.shutdown(socket.SHUT_WR)
                got = b""
                while chunk := conn.recv(65536):
                    got += chunk
                assert got == b"e" * size
        session_id = str(latest_session(stack, instance)["SessionId"])

        def listed() -> dict[str, object] | None:
            document = json.loads(stack.cli("recordings", "streams", session_id, "--json").stdout)
            return document if len(document["Streams"]) == 2 else None

        document = eventually_sync(listed, what="both streams to be recorded", timeout=20)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
        echo.shutdown()
        echo.server_close()
    first, second = document["Streams"]
    assert (first["Target"], first["BytesToTarget"], first["BytesFromTarget"]) == (f"127.0.0.1:{port}", 1000, 1000)
    assert (second["BytesToTarget"], second["BytesFromTarget"]) == (70_000, 70_000)
    assert first["OpenTime"] and first["CloseTime"] and first["StreamId"] < second["StreamId"]
    table = stack.cli("recordings", "streams", session_id).stdout
    assert f"127.0.0.1:{port}" in table and "68.4 KiB" in table and "STREAM" in table.splitlines()[0]


def test_a_killed_server_marks_the_recording_truncated(fresh_stack: Stack, tmp_path: Path) -> None:
    """Finding 15: kill -9 of the server lost the last second of output with no mark; the recovery at the next start
    now ends the recording with a "recording truncated" marker (time and byte offset) and says so in its metadata."""
    stack = fresh_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    child.expect(rb"\$ ")
    child.send(b"n=0; while :; do n=$((n+1)); echo TICK_$n; sleep 0.02; done\r")
    child.expect(rb"TICK_\d+")
    session_id = str(latest_session(stack, instance)["SessionId"])
    recordings = stack.server_dir / "recordings"

    def flushed() -> bool:  # some output is on disk (the recorder flushes at least every second)
        files = list(recordings.rglob(f"{session_id}*.cast"))
        return bool(files) and files[0].read_bytes().count(b"TICK_") > 5

    eventually_sync(flushed, what="recorded output on disk", timeout=20, interval=0.1)
    stack.stop_server(signal.SIGKILL)
    child.close(force=True)
    stack.start_server()

    session = stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"][0]
    recording = session["Recording"]
    assert recording["Sealed"], session
    assert recording["Failure"].startswith("recording truncated"), recording
    out = tmp_path / "cut.cast"
    stack.cli("recordings", "export", session_id, "-o", str(out))
    data = out.read_bytes()
    last = json.loads(data.splitlines()[-1])
    assert last[1] == "m" and last[2].startswith("recording truncated") and "byte offset" in last[2], last
    offset = int(last[2].split("byte offset ")[1].split(")")[0])
    assert data[offset:].startswith(b"[") and data[:offset].count(b"TICK_") > 5  # the marker begins where output ends
    assert recording["Size"] == len(data)
    cat = stack.cli("recordings", "cat", session_id)
    assert "TICK_" in cat.stdout and "recording truncated" in cat.stderr, cat.stderr
