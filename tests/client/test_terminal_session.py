"""The interactive session in a real PTY (pexpect) against the fake data channel.

Each test runs `bash -c 'stty -g > before; python session_child.py ...; stty -g > after; echo RC=$?'` so it sees
both the exit code and whether the terminal settings came back exactly.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pexpect
import pytest
from support.wait import eventually_sync

from tether.client.terminal import _DirectWriter
from tether.protocol import DEFAULT_WINDOW

from .client_fakes import TOKEN, DataConn, FakeTether

CHILD = Path(__file__).with_name("session_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Run:
    """One child session in a PTY, plus the files that record its terminal settings."""

    def __init__(self, fake: FakeTether, tmp_path: Path, url: str | None = None) -> None:
        self.before = tmp_path / "stty-before"
        self.after = tmp_path / "stty-after"
        self.pidfile = tmp_path / "pid"
        argv = [sys.executable, str(CHILD), url or fake.data_url, str(fake.tls.ca_cert), str(self.pidfile)]
        script = f"stty -g > {self.before}; {shlex.join(argv)}; rc=$?; stty -g > {self.after}; echo; echo RC=$rc"
        self.child = pexpect.spawn(
            "bash", ["--norc", "--noprofile", "-c", script], env=_env(), dimensions=(24, 80), timeout=10
        )

    def expect_exit(self, status: int) -> None:
        self.child.expect(r"RC=(\d+)")
        assert int(self.child.match.group(1)) == status, self.child.before
        self.child.expect(pexpect.EOF)
        assert self.before.read_text() == self.after.read_text(), "terminal settings were not restored"


@pytest.fixture
def run(fake: FakeTether, tmp_path: Path) -> Run:
    return Run(fake, tmp_path)


def connected(fake: FakeTether) -> DataConn:
    conn = fake.wait_connected()
    eventually_sync(lambda: conn.resizes, what="the first RESIZE")
    return conn


def test_echo_raw_bytes_and_exit_status(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    assert conn.resizes[0] == (80, 24)
    run.child.send("héllo".encode())
    run.child.expect("héllo".encode())
    run.child.send("\x03")  # Ctrl-C is just a byte in raw mode
    eventually_sync(lambda: conn.received.endswith(b"\x03"), what="Ctrl-C to arrive as a byte")
    assert bytes(conn.received) == "héllo".encode() + b"\x03"  # no local echo, no line editing, exact bytes
    fake.exit(conn, 3)
    run.child.expect("Connection to mi-test closed.")
    run.expect_exit(3)


def test_tilde_dot_closes_with_255(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    run.child.send("ls\r")
    eventually_sync(lambda: conn.received == b"ls\r", what="the command line")
    run.child.send("~.")
    run.child.expect("Connection to mi-test closed.")
    run.expect_exit(255)
    eventually_sync(lambda: conn.closed, what="the data channel to close")
    assert bytes(conn.received) == b"ls\r"


def test_escape_help_and_literal_tilde(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    run.child.send("a~b\r")
    eventually_sync(lambda: conn.received == b"a~b\r", what="mid-line tilde passed through")
    run.child.send("~~")
    eventually_sync(lambda: conn.received == b"a~b\r~", what="~~ to send one tilde")
    run.child.send("\r~?")
    run.child.expect("Supported escape sequences")
    run.child.expect(r"~\.   - close the session")
    # The help is printed by the CLI once it has read "\r~?"; the "\r" may still be on its way to the server.
    eventually_sync(lambda: conn.received == b"a~b\r~\r", what="the Enter before ~? to reach the server")
    fake.exit(conn, 0)
    run.expect_exit(0)
    assert bytes(conn.received) == b"a~b\r~\r"


def test_window_change_sends_resize(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    run.child.setwinsize(40, 100)
    eventually_sync(lambda: (100, 40) in conn.resizes, what="RESIZE 100x40")
    fake.exit(conn, 0)
    run.expect_exit(0)


def test_flood_is_acknowledged_only_after_output_is_written(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    total = 4 * DEFAULT_WINDOW
    fake.start_output(conn, b"y\n" * (total // 2))
    # The test does not read the PTY: the child's writes block, so it must stop acknowledging, and the fake agent
    # runs out of credit with at most one window in flight.
    eventually_sync(lambda: conn.sent >= DEFAULT_WINDOW, what="the first window to be sent")
    time.sleep(1.0)  # a sleep on purpose: in this second no ACK may come for bytes the PTY cannot have taken
    acked = max(conn.acks, default=0)
    assert conn.sent - acked == DEFAULT_WINDOW, (conn.sent, acked)
    assert acked < DEFAULT_WINDOW // 2, f"acknowledged {acked} bytes the PTY cannot have taken yet"
    received = 0
    tail = b""
    while received < total:
        try:
            chunk = run.child.read_nonblocking(65536, timeout=10)
        except pexpect.EOF:
            raise AssertionError(f"child ended after {received} bytes: {tail[-300:]!r}") from None
        tail = (tail + chunk)[-1000:]
        received += len(chunk)
    assert received == total
    eventually_sync(lambda: conn.sent == total and max(conn.acks) >= total - DEFAULT_WINDOW // 4, what="final ACKs")
    fake.exit(conn, 0)
    run.expect_exit(0)


def test_error_frame_is_shown_and_exits_255(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    fake.error(conn, "InvalidUser", "user bob does not exist on mi-test")
    run.child.expect("tether: user bob does not exist on mi-test")
    run.expect_exit(255)


def test_connection_drop_is_reported(fake: FakeTether, run: Run) -> None:
    conn = connected(fake)
    fake.run(lambda: conn.ws.close(code=1011, message=b"relay failure"))
    run.child.expect("tether: connection to mi-test lost: ")
    run.expect_exit(255)


def test_an_orderly_close_without_exit_is_the_sessions_end(fake: FakeTether, run: Run) -> None:
    """An agent that reports no exit status (the Cloud Assistant agent) ends its sessions with a 1000 close and
    no EXIT: the CLI says the session ended, with the server's reason, not that the connection was lost."""
    conn = connected(fake)
    fake.run(lambda: conn.ws.close(code=1000, message=b"the agent ended the session: Success/Ok"))
    run.child.expect("tether: the session on mi-test ended without an exit status: the agent ended the session: "
                     "Success/Ok")
    run.expect_exit(255)


def test_sigterm_restores_terminal(fake: FakeTether, run: Run) -> None:
    connected(fake)
    eventually_sync(run.pidfile.exists, what="the pid file")
    # raw mode is entered right after connecting (the PTY's settings, read through its master side)
    eventually_sync(lambda: not termios.tcgetattr(run.child.child_fd)[3] & termios.ICANON, what="raw mode")
    os.kill(int(run.pidfile.read_text()), signal.SIGTERM)
    run.child.expect("ended by SIGTERM")
    run.expect_exit(255)


def test_rejected_token(fake: FakeTether, tmp_path: Path) -> None:
    run = Run(fake, tmp_path, url=fake.data_url.replace(TOKEN, "used-token"))
    run.child.expect("refused the session's data channel \\(HTTP 401\\)")
    run.expect_exit(255)


def test_piped_stdin_is_forwarded_exactly_then_eof(fake: FakeTether) -> None:
    fake.exit_on_eof = 7
    payload = bytes(range(256)) * 2000 + b"~.\n~.\r\n"  # escapes are off without a terminal
    proc = subprocess.run(
        [sys.executable, str(CHILD), fake.data_url, str(fake.tls.ca_cert)],
        input=payload,
        capture_output=True,
        env=_env(),
        timeout=20,
    )
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == payload
    conn = fake.conns[-1]
    assert conn.eof
    assert bytes(conn.received) == payload
    assert conn.resizes == []  # no terminal, no size


def test_stdin_from_regular_file(fake: FakeTether, tmp_path: Path) -> None:
    fake.exit_on_eof = 0
    source = tmp_path / "input.bin"
    source.write_bytes(os.urandom(300_000))
    with source.open("rb") as stdin:
        proc = subprocess.run(
            [sys.executable, str(CHILD), fake.data_url, str(fake.tls.ca_cert)],
            stdin=stdin,
            capture_output=True,
            env=_env(),
            timeout=20,
        )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == source.read_bytes()


def test_direct_writer_never_blocks_and_leaves_stdout_blocking() -> None:
    """Small output is written from the event loop through a description of our own: a full pipe must make it
    return 0 (the rest goes to the writer thread) instead of blocking the loop, and fd 1's flags stay the parent's."""
    read_end, write_end = os.pipe()
    direct = _DirectWriter(write_end)
    try:
        assert direct.fd >= 0
        assert os.get_blocking(write_end), "the shared descriptor must stay blocking"
        assert direct.write(b"echo") == 4
        assert os.read(read_end, 100) == b"echo"
        written = 0
        while (n := direct.write(b"x" * 65536)) > 0:
            written += n
        assert written > 0
        assert direct.write(b"more") == 0  # full: nothing taken, nothing blocked
        assert os.get_blocking(write_end)
    finally:
        direct.close()
        os.close(read_end)
        os.close(write_end)


def test_direct_writer_is_off_for_regular_files(tmp_path: Path) -> None:
    """A reopened regular file would have an offset of its own and overwrite what the thread wrote."""
    with (tmp_path / "out").open("wb") as out:
        direct = _DirectWriter(out.fileno())
        assert direct.fd == -1
        assert direct.write(b"data") == 0
    assert (tmp_path / "out").read_bytes() == b""


def test_small_and_large_output_keep_their_order(fake: FakeTether) -> None:
    """Echo-sized frames take the direct path and big ones the thread; on a pipe the bytes must arrive in order."""
    fake.exit_on_eof = 0
    payload = b"".join(bytes([i % 251]) * (1 + (i * 7919) % 30000) for i in range(50))
    assert len(payload) < DEFAULT_WINDOW  # the fake echoes from its read loop: more would wait for its own ACKs
    proc = subprocess.run(
        [sys.executable, str(CHILD), fake.data_url, str(fake.tls.ca_cert)],
        input=payload,
        capture_output=True,
        env=_env(),
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == payload
