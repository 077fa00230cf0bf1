"""Interactive shells through the relay, driven in a real PTY exactly as a person would use `tether session`."""

from __future__ import annotations

import os

import pexpect
import pytest
from support.stack import Stack

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the agent switches to tether-user only as root")


def run(child: pexpect.spawn, command: str, marker: bytes, timeout: float = 15) -> bytes:
    """Type a command and wait for output that only the command's result contains."""
    child.send(command.encode() + b"\r")
    child.expect(marker, timeout=timeout)
    return bytes(child.before or b"") + bytes(child.after or b"")


def test_command_output_and_exit_status(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    run(child, "echo RESULT_$((6*7))", b"RESULT_42")
    child.send(b"exit 3\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3


@needs_root
def test_login_user_environment_and_sudo(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    run(child, 'echo "WHO=$(whoami)+"', b"WHO=tether-user\\+")
    run(child, 'echo "ENV=$HOME:$TERM:$SHELL+"', b"ENV=/home/tether-user:xterm-256color:/bin/bash\\+")
    run(child, "sudo -n true && echo SUDO_$((1+1))", b"SUDO_2")
    run(child, "locale charmap | sed s/^/CHARMAP=/", b"CHARMAP=UTF-8")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_resize_reaches_the_program(stack: Stack, instance: str) -> None:
    child = stack.session(instance, cols=100, rows=30)
    run(child, "stty size | sed s/^/SIZE=/", b"SIZE=30 100")
    child.setwinsize(41, 132)
    run(child, "stty size | sed s/^/SIZE=/", b"SIZE=41 132")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_bytes_arrive_exactly(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    # printf with octal escapes: the bytes appear only in the output, never in the echoed command line
    run(child, r"printf 'A\377\376\200B\n'", b"A\xff\xfe\x80B")
    run(child, r"printf '\346\227\245\346\234\254\350\252\236 \360\237\230\200\n'", "日本語 😀".encode())
    # typed UTF-8 input reaches the shell intact
    run(child, "echo 你好 | od -An -tx1 | tr -d ' \\n' | sed 's/^/HEX=/'; echo", b"HEX=e4bda0e5a5bd0a")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_escape_sequence_closes_a_stuck_session(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    run(child, "echo READY_$((2+2))", b"READY_4")
    child.send(b"sleep 600\r")
    child.send(b"\r~.")
    child.expect(pexpect.EOF, timeout=10)
    child.close()
    assert child.exitstatus == 255


def test_command_line_session_exits_with_its_status(stack: Stack, instance: str) -> None:
    proc = stack.cli("session", "-i", instance, "--command", "echo one-shot; exit 7", check=False)
    assert proc.returncode == 7, proc.stderr
    assert "one-shot" in proc.stdout


def test_offline_instance_is_refused_clearly(stack: Stack, instance: str) -> None:
    proc = stack.cli("session", "-i", "mi-00000000000000000", check=False)
    assert proc.returncode == 255
    assert "mi-00000000000000000" in proc.stderr
    assert proc.stderr.count("\n") <= 2


def test_piped_input_of_many_full_frames_arrives_intact(stack: Stack, instance: str) -> None:
    import base64
    import hashlib
    import os
    import subprocess
    import sys

    # ~1 MiB in short lines without control characters: what a PTY's line discipline passes through unchanged
    # even before `stty raw` has run (piped bytes may reach the terminal before the command does)
    payload = base64.encodebytes(os.urandom(780_000))
    proc = subprocess.run(
        [sys.executable, "-m", "tether", "session", "-i", instance, "--command",
         f"stty raw -echo; head -c {len(payload)} | sha256sum"],
        input=payload, capture_output=True, env=stack.env(), timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(payload).hexdigest().encode() in proc.stdout
