"""Shell sessions survive broken connections (docs/protocol.md section 6): real processes, real cuts.

The server's public URL is a `CutProxy` in front of it, so both data channels (the CLI's and the agent's) cross the
proxy while the API and the agent's control channel do not; a cut breaks the CLI's connections without a close
frame, exactly like a network that went away.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import psutil
import pytest
from support.cutproxy import CutProxy
from support.stack import Stack
from support.wait import eventually_sync

LINES = 1500


@pytest.fixture
def cut_stack(tmp_path: Path) -> Iterator[tuple[Stack, CutProxy]]:
    s = Stack(tmp_path)
    proxy = CutProxy(s.port)
    s.start_server("--public-url", f"https://127.0.0.1:{proxy.port}", "--resume-window", "4")
    try:
        yield s, proxy
    finally:
        s.close()
        proxy.close()


def _notices(label: str) -> re.Pattern[bytes]:
    return re.compile(
        rb"\r\ntether: (connection to " + re.escape(label.encode()) + rb" lost, reconnecting\.\.\.|reconnected to "
        + re.escape(label.encode()) + rb")\r\n"
    )


def _wait_cut(proxy: CutProxy, pid: int) -> None:
    eventually_sync(lambda: proxy.cut(pid) > 0, what="the CLI's data channel to cross the proxy", timeout=10)


def test_output_survives_cuts_exactly_once_in_order(cut_stack: tuple[Stack, CutProxy]) -> None:
    stack, proxy = cut_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    child.expect(rb"\$ ")
    child.send(f"for i in $(seq 1 {LINES}); do echo L$i; sleep 0.01; done; echo DO''NE\r".encode())
    child.expect(rb"\r\nL20\r\n")
    seen = bytearray()
    for _ in range(3):
        _wait_cut(proxy, child.pid)
        child.expect(b"reconnected")
        seen += (child.before or b"") + (child.after or b"")
    child.expect(b"DONE", timeout=60)
    seen += child.before or b""
    output = b"\n" + _notices(instance).sub(b"", bytes(seen))  # the "\n" that `expect` took with L20
    numbers = [int(n) for n in re.findall(rb"\nL(\d+)\r", output)]
    assert numbers == list(range(21, LINES + 1)), "every line once, in order, across 3 cuts"
    assert output.count(b"L") >= LINES - 20
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    # the recording shows each line once too: resent output is not recorded again
    session_id = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"][0]["SessionId"]
    cat = stack.cli("recordings", "cat", session_id)
    recorded = [int(n) for n in re.findall(r"^L(\d+)\r?$", cat.stdout, re.M)]
    assert recorded == list(range(1, LINES + 1)), "the recording has every line once, in order"


def test_input_typed_during_a_cut_is_delivered_once(cut_stack: tuple[Stack, CutProxy]) -> None:
    stack, proxy = cut_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    child.expect(rb"\$ ")
    _wait_cut(proxy, child.pid)
    child.send(b"echo TYPED_$((6*7))\r")
    child.expect(b"reconnected")
    child.expect(b"TYPED_42")
    child.send(b"echo EN''D\r")
    child.expect(b"END")
    assert (child.before or b"").count(b"TYPED_42") == 0  # the result came once: nothing between it and END
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_a_session_nobody_resumes_ends_as_detached_timeout(cut_stack: tuple[Stack, CutProxy]) -> None:
    stack, proxy = cut_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    child.expect(rb"\$ ")
    child.kill(19)  # SIGSTOP: the CLI cannot reconnect
    try:
        _wait_cut(proxy, child.pid)

        def ended() -> bool:
            rows = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"]
            return bool(rows) and rows[0]["State"] == "Terminated"

        eventually_sync(ended, what="the detached session to end", timeout=30, interval=0.5)
        rows = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"]
        assert rows[0]["EndReason"] == "detached_timeout"
    finally:
        child.kill(18)  # SIGCONT
    child.expect(b"cannot resume the session", timeout=30)
    child.expect(pexpect.EOF)


def test_resume_needs_the_current_token_and_the_same_principal(cut_stack: tuple[Stack, CutProxy]) -> None:
    """ResumeSession refuses a token that is not the session's current one, and another principal even with the
    permission to start sessions; a real reattach is audited as ResumeSession."""
    stack, proxy = cut_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    child.expect(rb"\$ ")
    _wait_cut(proxy, child.pid)
    child.expect(b"reconnected")
    session_id = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"][0]["SessionId"]
    forged = stack.cli("api", "ResumeSession", "--body", json.dumps({"SessionId": session_id, "ResumeToken": "x" * 43}),
                       check=False)
    assert forged.returncode != 0 and "InvalidSession.NotResumable" in forged.stderr + forged.stdout
    stack.api("CreateUser", {"UserName": "other"})
    everything = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    stack.api("CreatePolicy", {"PolicyName": "all", "PolicyDocument": json.dumps(everything)})
    stack.api("AttachPolicyToUser", {"UserName": "other", "PolicyName": "all", "PolicyType": "Custom"})
    key = stack.api("CreateAccessKey", {"UserName": "other"})["AccessKey"]
    env = stack.env() | {"TETHER_ACCESS_KEY_ID": key["AccessKeyId"], "TETHER_ACCESS_KEY_SECRET": key["AccessKeySecret"]}
    other = subprocess.run(
        [sys.executable, "-m", "tether", "api", "ResumeSession", "--body",
         json.dumps({"SessionId": session_id, "ResumeToken": "x" * 43})],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert other.returncode != 0 and "Forbidden.SessionOwner" in other.stderr + other.stdout, other.stderr
    events = stack.api("LookupEvents", {"EventName": "ResumeSession", "MaxResults": 100})["Events"]
    assert any(e["SessionId"] == session_id and e["Result"] == "Success" for e in events), events
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_output_survives_cuts_of_the_agents_data_channel(cut_stack: tuple[Stack, CutProxy]) -> None:
    """The agent's data channel is cut (its process and control channel live on): the agent re-dials it, the client
    stays attached, and the output goes on with every line once, in order."""
    stack, proxy = cut_stack
    instance = stack.add_agent()
    agent_pid = stack.agents[instance].pid
    child = stack.session(instance)
    screen = io.BytesIO()
    child.logfile_read = screen  # every byte the CLI wrote to its terminal
    child.expect(rb"\$ ")
    child.send(f"for i in $(seq 1 {LINES}); do echo L$i; sleep 0.01; done; echo DO''NE\r".encode())
    child.expect(rb"\r\nL20\r\n")
    for _ in range(3):
        child.expect(rb"\r\nL\d+\r\n")
        eventually_sync(lambda: proxy.cut(agent_pid) > 0, what="the agent's data channel to cross the proxy",
                        timeout=10)
        child.expect(rb"\r\nL\d+\r\n")
    child.expect(b"DONE", timeout=60)
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    shown = [int(n) for n in re.findall(rb"[\r\n]L(\d+)\r", screen.getvalue())]
    assert shown == list(range(1, LINES + 1)), "the terminal shows every line once, in order"
    assert b"reconnecting" not in screen.getvalue()  # the client's own connection never broke
    session_id = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"][0]["SessionId"]
    cat = stack.cli("recordings", "cat", session_id)
    recorded = [int(n) for n in re.findall(r"^L(\d+)\r?$", cat.stdout, re.M)]
    assert recorded == list(range(1, LINES + 1)), "the recording has every line once, in order"
    agent_log = (stack.root / f"agent-{instance}.log").read_text(errors="replace")
    assert agent_log.count("re-dialled") >= 3  # a cut may also catch a re-dialled channel in its handshake


def test_a_flood_while_detached_pauses_the_program_and_loses_nothing(cut_stack: tuple[Stack, CutProxy]) -> None:
    """While the client is away the agent keeps at most one window of output; the program then blocks in its
    write (it is not killed, nothing is dropped) and carries on once the client is back."""
    stack, proxy = cut_stack
    instance = stack.add_agent()
    child = stack.session(instance)
    screen = io.BytesIO()
    child.logfile_read = screen
    child.expect(rb"\$ ")
    count = 300_000  # about 2 MB of output: twice the window
    child.send(f"seq 1 {count}; echo DO''NE\r".encode())
    child.expect(rb"\r\n1000\r\n")
    child.kill(19)  # SIGSTOP: the CLI neither reads nor reconnects while the output goes on
    try:
        _wait_cut(proxy, child.pid)
        seq = [p for p in psutil.process_iter(["name", "cmdline"]) if (p.info["cmdline"] or [])[:2] == ["seq", "1"]]

        def blocked() -> bool:  # seq waits in its write to the full PTY (paused by flow control), and stays there
            waiting = (psutil.STATUS_SLEEPING, psutil.STATUS_DISK_SLEEP)
            before = [p.cpu_times().user + p.cpu_times().system for p in seq]
            if not seq or any(p.status() not in waiting for p in seq):
                return False
            time.sleep(0.3)
            return [p.cpu_times().user + p.cpu_times().system for p in seq] == before and all(
                p.status() in waiting for p in seq
            )

        eventually_sync(blocked, what="seq to block on its full terminal", timeout=20, interval=0.2)
    finally:
        child.kill(18)  # SIGCONT
    child.expect(b"reconnected")
    child.expect(b"DONE", timeout=120)
    shown = _notices(instance).sub(b"", screen.getvalue())  # the CLI's own two lines may split a line of output
    numbers = [int(n) for n in re.findall(rb"\n(\d+)\r", shown)]
    assert numbers == list(range(2, count + 1)), "every line once, in order"
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_resume_from_another_terminal_takes_the_shell_over(cut_stack: tuple[Stack, CutProxy]) -> None:
    """`tether session --resume SESSION_ID` attaches a second CLI to the running shell (same principal, authorised
    again); the first terminal is closed with a clear line, the shell and its state live on."""
    stack, proxy = cut_stack
    instance = stack.add_agent()
    first = stack.session(instance)
    first.expect(rb"\$ ")
    first.send(b"export MARK=ab''cd; echo SET\r")
    first.expect(b"SET")
    session_id = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"][0]["SessionId"]
    second = pexpect.spawn(sys.executable, ["-m", "tether", "session", "--resume", session_id], env=stack.env(),
                           dimensions=(30, 100), timeout=20)
    first.expect(b"resumed from another terminal")
    first.expect(pexpect.EOF)
    second.send(b"echo MARK_IS_$MARK\r")
    second.expect(b"MARK_IS_abcd")
    # the new client's own connection breaks too: it resumes like any other
    second.send(b"for i in $(seq 1 300); do echo T$i; sleep 0.01; done; echo T''END\r")
    second.expect(rb"\r\nT5\r\n")
    screen = bytearray(b"\n")
    _wait_cut(proxy, second.pid)
    second.expect(b"reconnected")
    screen += (second.before or b"") + (second.after or b"")
    second.expect(b"TEND")
    screen += second.before or b""
    shown = [int(n) for n in re.findall(rb"\nT(\d+)\r", _notices(session_id).sub(b"", bytes(screen)))]
    assert shown == list(range(6, 301)), "every line once, in order, after the takeover and a cut"
    second.send(b"exit 7\r")
    second.expect(pexpect.EOF)
    second.close()
    assert second.exitstatus == 7
    events = stack.api("LookupEvents", {"EventName": "ResumeSession", "MaxResults": 100})["Events"]
    assert any(e["SessionId"] == session_id and "taken over" in (e["Detail"] or "") for e in events), events
