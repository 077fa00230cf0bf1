"""A flood of output keeps every process's memory flat, and Ctrl-C stops it promptly."""

from __future__ import annotations

import time

import pexpect
import psutil
from support.stack import Stack


def rss_mb(pids: dict[str, int]) -> dict[str, float]:
    return {name: psutil.Process(pid).memory_info().rss / 2**20 for name, pid in pids.items()}


def drain(child: pexpect.spawn, seconds: float) -> int:
    end = time.monotonic() + seconds
    total = 0
    while time.monotonic() < end:
        try:
            total += len(child.read_nonblocking(1 << 16, timeout=0.2))
        except pexpect.TIMEOUT:
            pass
    return total


def test_yes_flood_is_bounded_and_interruptible(stack: Stack, instance: str) -> None:
    child = stack.session(instance)
    child.send(b"echo GO_$((3*3))\r")
    child.expect(b"GO_9")
    assert stack.server is not None
    pids = {"server": stack.server.pid, "agent": stack.agents[instance].pid, "cli": child.pid}
    baseline = rss_mb(pids)

    child.send(b"yes flood-line-with-some-length\r")
    moved = drain(child, 3.0)  # a fast reader
    assert moved > 1_000_000, f"only {moved} bytes of output arrived in 3 s"
    peak = rss_mb(pids)
    time.sleep(3.0)  # a sleep on purpose: nobody reads for 3 s, and memory must stay flat all that time
    for sample in (rss_mb(pids), peak):
        for name, value in sample.items():
            peak[name] = max(peak[name], value)
    drain(child, 1.0)

    child.send(b"\x03")
    started = time.monotonic()
    child.send(b"echo STOPPED_$((4*4))\r")
    child.expect(b"STOPPED_16", timeout=20)
    elapsed = time.monotonic() - started
    growth = {name: peak[name] - baseline[name] for name in pids}
    assert all(g < 40 for g in growth.values()), f"RSS grew under flood: {growth} (baseline {baseline})"
    assert elapsed < 10, f"Ctrl-C took {elapsed:.1f} s to stop the flood"
    child.send(b"exit\r")
    child.expect(pexpect.EOF)


def test_large_output_arrives_complete(stack: Stack, instance: str) -> None:
    proc = stack.cli("session", "-i", instance, "--command", "head -c 20000000 /dev/zero | base64 -w 100 | wc -c; "
                     "head -c 20000000 /dev/zero | base64 -w 100", timeout=120)
    lines = proc.stdout.splitlines()
    expected = int(lines[0].strip())
    body = "\n".join(lines[1:]) + "\n"
    # the PTY turns \n into \r\n; count without the \r
    assert len(body.replace("\r", "")) == expected
