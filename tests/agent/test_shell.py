"""The PTY shell runner against a fake relay/client: real PTYs, real shells, real users."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import psutil
import pytest
from support.wait import eventually

from tether.agent.launch import exit_status, login_environment, shell_argv, system_locale
from tether.agent.users import LoginUser

from .conftest import root_only

ME = LoginUser("me", os.getuid(), os.getgid(), "/tmp", "/bin/bash", (os.getgid(),))


async def test_echo_and_exit_status(start_session) -> None:
    r = await start_session()
    await r.client.send(b"echo hello-$((40+2))\n")
    await r.client.expect(b"hello-42")
    await r.client.send(b"exit 3\n")
    await r.client.until_closed()
    assert r.client.exit_status == 3
    end = await r.task
    assert (end.reason, end.exit_status) == ("exit", 3)


@root_only
@pytest.mark.root
async def test_runs_as_tether_user_with_sudo_and_login_env(start_session) -> None:
    os.environ["TETHER_AGENT_ONLY_SECRET"] = "must-not-leak"
    try:
        r = await start_session()
    finally:
        del os.environ["TETHER_AGENT_ONLY_SECRET"]
    c = r.client
    await c.send(b"echo U=$(whoami) H=$HOME T=$TERM P=$PWD\n")
    out = await c.expect(b"P=/home/tether-user")
    assert b"U=tether-user H=/home/tether-user T=xterm-256color" in out
    await c.send(b"sudo -n true && echo SUDO-$((1+1))\n")
    await c.expect(b"SUDO-2")
    await c.send(b"env | grep -c TETHER_AGENT_ONLY_SECRET; echo LEAK-$((5+5))\n")
    out = await c.expect(b"LEAK-10")
    assert out.endswith(b"\r0\r\nLEAK-10"), out
    # The terminal is the user's (as login/sshd do it) and is the controlling terminal: job control works.
    await c.send(b"test -O $(tty) && echo TTY-OWNED; set -m; sleep 30 & jobs -p >/dev/null && echo JOBS-$((2+2))\n")
    await c.expect(b"TTY-OWNED")
    await c.expect(b"JOBS-4")
    await c.send(b"kill %1; exit\n")
    await c.until_closed()
    assert c.exit_status is not None


async def test_without_switching_the_shell_runs_as_the_agent_user(start_session) -> None:
    """What a non-root agent does: no privilege change, the shell is ours (here: whoever runs the tests)."""
    import pwd

    me = pwd.getpwuid(os.geteuid())
    user = LoginUser(me.pw_name, me.pw_uid, me.pw_gid, me.pw_dir, "/bin/sh", (me.pw_gid,))
    r = await start_session(user=user, switch_user=False, command="echo I=$(id -u)-$(id -g) T=$TERM")
    await r.client.expect(f"I={me.pw_uid}-{me.pw_gid} T=xterm-256color".encode())
    await r.client.until_closed()
    assert r.client.exit_status == 0


async def test_stty_size_follows_resize(start_session) -> None:
    r = await start_session(cols=100, rows=30)
    c = r.client
    await c.send(b"stty size\n")
    await c.expect(b"30 100")
    await c.resize(132, 43)
    await c.send(b"stty size\n")
    await c.expect(b"43 132")
    await c.send(b"exit\n")
    await c.until_closed()


async def test_resize_delivers_sigwinch(start_session) -> None:
    r = await start_session(command="trap 'stty size; exit 7' WINCH; echo READY; while :; do sleep 0.05; done")
    await r.client.expect(b"READY")
    await r.client.resize(90, 20)
    await r.client.expect(b"20 90")
    await r.client.until_closed()
    assert r.client.exit_status == 7


async def test_bytes_round_trip_exactly(start_session) -> None:
    r = await start_session()
    c = r.client
    # Output: invalid UTF-8 and CJK arrive byte for byte.
    await c.send(b"printf 'A\\377\\376\\200B'; printf '\\346\\227\\245\\346\\234\\254\\350\\252\\236Z\\n'\n")
    await c.expect("A\xff".encode("latin-1")[:1] + b"\xff\xfe\x80B" + "日本語Z".encode())
    # Input: the same bytes typed by the client reach the program unchanged.
    payload = b"\xff\xfe\x80" + "日本語".encode()
    await c.send(b"stty raw -echo; echo RAW-$((1+1)); head -c 12 | od -An -tx1 | tr -d ' \\n'; echo; stty sane\n")
    await c.expect(b"RAW-2")  # the terminal is raw now: what comes next reaches `head` unchanged
    await c.send(payload)
    await c.expect(payload.hex().encode())
    await c.send(b"exit\n")
    await c.until_closed()


async def test_command_killed_by_signal_reports_128_plus_signo(start_session) -> None:
    r = await start_session(command="echo started; kill -KILL $$")
    await r.client.expect(b"started")
    await r.client.until_closed()
    assert r.client.exit_status == 137
    assert (await r.task).exit_status == 137


async def test_eof_frame_ends_cat(start_session) -> None:
    r = await start_session(command="cat; echo CAT-DONE")
    await r.client.send(b"line\n")
    await r.client.expect(b"line")
    await r.client.eof()
    await r.client.expect(b"CAT-DONE")
    await r.client.until_closed()
    assert r.client.exit_status == 0


async def test_channel_close_hangs_up_the_shell(start_session) -> None:
    r = await start_session(hangup_grace=1.0)
    c = r.client
    await c.send(b"sleep 1000\n")
    shell = psutil.Process(await eventually(lambda: r.session.pid, what="the shell to start"))

    def with_sleep() -> list[psutil.Process]:
        procs = [shell, *shell.children(recursive=True)]
        assert any("sleep" in p.name() for p in procs), procs
        return procs

    procs = await eventually(with_sleep, what="`sleep 1000` to run")
    started = time.monotonic()
    await c.ws.close()
    end = await asyncio.wait_for(r.task, 10)
    assert end.reason == "hangup"
    assert time.monotonic() - started < 1.0  # SIGHUP was enough: no wait for the SIGKILL grace
    _gone, alive = psutil.wait_procs(procs, timeout=3)
    assert not alive


async def test_terminate_sends_error_and_hangs_up(start_session) -> None:
    r = await start_session()
    await r.client.send(b"echo ready-$((1+1))\n")
    await r.client.expect(b"ready-2")
    r.session.terminate("EndTerminalSession")
    await r.client.until_closed()
    assert r.client.error is not None and r.client.error.code == "SessionTerminated"
    end = await r.task
    assert end.reason == "terminated"


async def test_idle_timeout_fires(start_session) -> None:
    r = await start_session(idle_timeout=1.0)
    started = time.monotonic()
    await r.client.until_closed(timeout=10)
    assert r.client.error is not None and r.client.error.code == "IdleTimeout"
    assert "idle" in r.client.error.message
    assert 0.9 <= time.monotonic() - started < 5
    assert (await r.task).reason == "idle_timeout"


async def test_max_duration_fires_despite_input(start_session) -> None:
    r = await start_session(max_duration=1.0, idle_timeout=60.0)
    for _ in range(5):
        await r.client.send(b"\n")
        await r.client.drain_for(0.3)
        if r.client.closed:
            break
    await r.client.until_closed(timeout=5)
    assert r.client.error is not None and r.client.error.code == "MaxDurationExceeded"
    assert (await r.task).reason == "max_duration"


async def test_flood_is_bounded_by_the_window(start_session) -> None:
    """`yes` with a client that stops ACKing: the agent stops reading, `yes` blocks, memory stays flat."""
    window = 256 * 1024
    r = await start_session(client_window=window, auto_ack=False, command="yes")
    c = r.client
    await c.drain_for(1.0)
    assert window // 2 < c.received <= window
    me = psutil.Process()
    rss_before = me.memory_info().rss
    await c.drain_for(2.0)
    assert c.received <= window
    assert r.session.bytes_out == c.received
    rss_growth = me.memory_info().rss - rss_before
    assert rss_growth < 8 * 1024 * 1024, rss_growth
    yes = [p for p in psutil.Process(r.session.pid).children(recursive=True) if p.name() == "yes"]
    yes_proc = yes[0] if yes else psutil.Process(r.session.pid)
    assert yes_proc.status() in (psutil.STATUS_SLEEPING, psutil.STATUS_DISK_SLEEP)
    # Credit returns, bytes flow again.
    ack = c.channel.consumed(c.received)
    assert ack is not None
    await c.ws.send_bytes(ack)
    await c.drain_for(0.5)
    assert c.received > window
    r.session.terminate("test over")
    await asyncio.wait_for(r.task, 10)


async def test_large_paste_is_acknowledged_after_writing(start_session) -> None:
    """Input beyond the agent's window only flows as the PTY takes it (ACKs come after the write)."""
    size = 300_000
    r = await start_session(window=65536, command="stty raw -echo; echo RAW-$((1+1)); head -c 300000 | wc -c")
    c = r.client
    await c.expect(b"RAW-2")  # raw: the paste reaches `head` unchanged
    sent = 0
    chunk = b"x" * 4096
    while sent < size:
        n = min(len(chunk), size - sent, c.channel.credit())
        if n == 0:
            await c._next(5)
            continue
        await c.send(chunk[:n])
        sent += n
    await c.expect(b"300000")
    await c.until_closed()
    assert c.exit_status == 0


def test_exit_status_mapping() -> None:
    assert exit_status(0) == 0
    assert exit_status(3) == 3
    assert exit_status(-9) == 137
    assert exit_status(-1) == 129


def test_login_environment_is_built_from_scratch() -> None:
    env = login_environment(ME, lang="C.UTF-8")
    assert env == {
        "HOME": "/tmp", "USER": "me", "LOGNAME": "me", "SHELL": "/bin/bash",
        "PATH": env["PATH"], "MAIL": "/var/mail/me", "TERM": "xterm-256color", "LANG": "C.UTF-8",
    }
    assert "/usr/bin" in env["PATH"]
    assert "LC_ALL" not in env


def test_shell_argv() -> None:
    assert shell_argv(ME, None) == ["-bash"]
    assert shell_argv(ME, "uptime") == ["bash", "-c", "uptime"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('LANG="en_US.UTF-8"\n', "en_US.UTF-8"),
        ("LANG=de_DE.utf8\n", "de_DE.utf8"),
        ("LANG=en_US.ISO-8859-1\n", "C.UTF-8"),
        ("# nothing\n", "C.UTF-8"),
    ],
)
def test_system_locale(tmp_path: Path, text: str, expected: str) -> None:
    f = tmp_path / "locale"
    f.write_text(text)
    assert system_locale(f) == expected
    assert system_locale(tmp_path / "missing") == "C.UTF-8"


async def test_resume_resends_the_unacknowledged_output_from_the_clients_offset(start_session) -> None:
    """A client that reconnects says how much output it has (RESUME); the agent answers with its own offset and
    resends exactly the bytes after the client's, from the output it kept because they were never acknowledged."""
    from tether.protocol import Data, Resume, decode, encode

    r = await start_session(auto_ack=False)
    await r.client.send(b"seq 1 400\n")
    await r.client.expect(b"\n400\r\n")
    await r.client.drain_for(0.3)  # the prompt after it
    total = r.client.received
    assert total > 1000
    everything = bytes(r.client.output)  # what `expect` left, plus the part it returned, is the whole output
    keep = 700  # pretend the connection dropped after the first 700 bytes of output
    await r.client.ws.send_bytes(encode(Resume(0, keep, 1)))
    answer = decode((await asyncio.wait_for(r.client.ws.receive(), 10)).data)
    assert isinstance(answer, Resume) and answer.answer and answer.attempt == 1
    assert answer.offset == len(b"seq 1 400\n")  # every input byte arrived: nothing for the client to resend
    resent = bytearray()
    while len(resent) < total - keep:
        frame = decode((await asyncio.wait_for(r.client.ws.receive(), 10)).data)
        assert isinstance(frame, Data)
        resent += frame.data
    assert len(resent) == total - keep
    assert bytes(resent).endswith(everything)
    assert b"\n400\r\n" in resent and b"\r\n1\r\n" not in resent
    await r.client.send(b"exit 0\n")
    await r.client.until_closed()
    assert (await r.task).reason == "exit"
