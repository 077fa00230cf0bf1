"""Recording search end to end: a real shell prints a word, `tether recordings search` finds it with its offset."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pexpect
from support.stack import Stack
from support.wait import eventually_sync


def _indexed_session(stack: Stack, instance: str, since: str) -> dict[str, object]:
    def done() -> dict[str, object] | None:
        sessions = stack.api("DescribeTerminalSessions", {"InstanceId": instance, "StartTimeAfter": since})["Sessions"]
        recording = sessions[0]["Recording"] if sessions else None
        return sessions[0] if isinstance(recording, dict) and recording["Indexed"] else None

    return eventually_sync(done, what="the recording to be indexed", timeout=20)  # type: ignore[no-any-return]


def _user_env(stack: Stack, name: str, *statements: dict[str, object]) -> dict[str, str]:
    stack.api("CreateUser", {"UserName": name})
    if statements:
        document = json.dumps({"Version": "1", "Statement": list(statements)})
        stack.api("CreatePolicy", {"PolicyName": f"{name}-policy", "PolicyDocument": document})
        stack.api("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": f"{name}-policy", "UserName": name})
    key = stack.api("CreateAccessKey", {"UserName": name})["AccessKey"]
    return stack.env() | {
        "TETHER_ACCESS_KEY_ID": key["AccessKeyId"],
        "TETHER_ACCESS_KEY_SECRET": key["AccessKeySecret"],
    }


def _search(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tether", "recordings", "search", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_search_finds_what_the_shell_printed_and_only_for_those_allowed(stack: Stack, instance: str) -> None:
    before = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")  # same machine, same clock
    child = stack.session(instance)
    child.expect(rb"\$ ")
    # what is typed (and echoed) is `qu%sx ... artz`; only the shell's output holds the word quartzx
    child.send(b"printf 'qu%sx\\n' artz; sleep 1; printf 'sec%sd\\n' on\r")
    child.expect(b"quartzx")
    child.expect(b"second")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    child.close()
    session = _indexed_session(stack, instance, before)
    session_id = str(session["SessionId"])

    found = stack.cli("recordings", "search", "quartzx", "--instance", instance, "--since", "10m")
    header, *lines = found.stdout.splitlines()
    assert header.startswith(f"{session_id}  {instance}  root")
    assert len(lines) == 1 and re.fullmatch(r"  \[00:00:\d\d\.\d\] quartzx", lines[0]), found.stdout
    later = stack.cli("recordings", "search", "second", "--json")
    hit = json.loads(later.stdout)["Sessions"][0]
    first = json.loads(stack.cli("recordings", "search", "quartzx", "--json").stdout)["Sessions"][0]
    assert hit["SessionId"] == session_id and hit["Lines"][0]["Text"] == "second"
    assert hit["Lines"][0]["Time"] >= first["Lines"][0]["Time"] + 0.9  # printed a second later

    nothing = stack.cli("recordings", "search", "zebrafishmarker", check=False)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "no recorded output matches" in nothing.stderr

    listed = stack.cli("sessions", "list", "--instance", instance, "--since", before, "--kind", "shell")
    row = next(line.split() for line in listed.stdout.splitlines() if line.startswith(session_id))
    assert row[2] == "root" and row[4] == "Terminated" and row[-1] in ("yes", "delivered")

    search = {"Effect": "Allow", "Action": "ecs:SearchSessionRecordings", "Resource": "*"}
    blind = _user_env(stack, "searcher-without-read", search)
    denied = _search(blind, "quartzx")
    assert denied.returncode == 1 and denied.stdout == "", denied.stderr
    read = {"Effect": "Allow", "Action": "ecs:GetSessionRecording", "Resource": f"acs:ecs:*:*:instance/{instance}"}
    reader = _user_env(stack, "searcher-with-read", search, read)
    allowed = _search(reader, "quartzx")
    assert allowed.returncode == 0 and session_id in allowed.stdout, allowed.stderr
    forbidden = _search(_user_env(stack, "not-a-searcher", read), "quartzx")
    assert forbidden.returncode == 1 and "SearchSessionRecordings" in forbidden.stderr
