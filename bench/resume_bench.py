"""Resume under real cuts: how many sessions survive each fault, bytes lost, and the time to resume.

    python bench/resume_bench.py [--runs 20] [--lines 600]

Starts its own server (its public URL a `CutProxy`, so both data channels cross it) and one agent, then for each
fault runs `--runs` sessions through the real CLI in a PTY:
- `output`: a shell prints a numbered sequence; the CLI's connections are cut in the middle of it; the session
  survives if every line arrives exactly once and in order (bytes lost = bytes of the lines missing);
- `agent`: the same, but the agent's data channel is cut (the agent re-dials it; the CLI stays attached);
- `input`: the connection is cut and a command is typed while it is down; it survives if the command ran once;
- `expiry`: the CLI is stopped (SIGSTOP) and cut; the session must end with reason `detached_timeout` within the
  resume window (3 s here) plus slack.
Time to resume is from the cut to the CLI's "reconnected" line. The machine is shared: read the figures as rough.
"""

from __future__ import annotations

import argparse
import io
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _support  # noqa: F401  (registers tests/support as `support`, imported below)
import pexpect
from support.cutproxy import CutProxy
from support.stack import Stack
from support.wait import eventually_sync


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def cut_when_attached(proxy: CutProxy, pid: int) -> float:
    eventually_sync(lambda: proxy.cut(pid) > 0, what="the CLI's data channel", timeout=10, interval=0.01)
    return time.monotonic()


def output_run(stack: Stack, proxy: CutProxy, instance: str, lines: int) -> tuple[bool, int, float]:
    child = stack.session(instance)
    child.timeout = 60
    child.expect(rb"\$ ")
    child.send(f"for i in $(seq 1 {lines}); do echo L$i; sleep 0.005; done; echo DO''NE\r".encode())
    child.expect(rb"\r\nL10\r\n")
    seen = bytearray(b"\n")
    cut = cut_when_attached(proxy, child.pid)
    child.expect(b"reconnected")
    took = time.monotonic() - cut
    seen += (child.before or b"") + (child.after or b"")
    child.expect(b"DONE")
    seen += child.before or b""
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    text = re.sub(rb"\r\ntether: [^\r]*\r\n", b"", bytes(seen))
    numbers = [int(n) for n in re.findall(rb"\nL(\d+)\r", text)]
    expected = list(range(11, lines + 1))
    lost = sum(len(f"L{n}\r\n") for n in set(expected) - set(numbers))
    return numbers == expected, lost, took


def agent_run(stack: Stack, proxy: CutProxy, instance: str, lines: int) -> tuple[bool, int, float]:
    """Cut the agent's data channel mid-output; resume time is until the agent logs the re-dial."""
    log_file = stack.root / f"agent-{instance}.log"

    def redials() -> int:
        return log_file.read_text(errors="replace").count("re-dialled")

    child = stack.session(instance)
    child.timeout = 60
    screen = io.BytesIO()
    child.logfile_read = screen
    child.expect(rb"\$ ")
    child.send(f"for i in $(seq 1 {lines}); do echo L$i; sleep 0.005; done; echo DO''NE\r".encode())
    child.expect(rb"\r\nL10\r\n")
    before = redials()
    eventually_sync(lambda: proxy.cut(stack.agents[instance].pid) > 0, what="the agent's data channel", timeout=10,
                    interval=0.01)
    cut = time.monotonic()
    eventually_sync(lambda: redials() > before, what="the re-dial", timeout=30, interval=0.01)
    took = time.monotonic() - cut
    child.expect(b"DONE")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    numbers = [int(n) for n in re.findall(rb"[\r\n]L(\d+)\r", screen.getvalue())]
    expected = list(range(1, lines + 1))
    lost = sum(len(f"L{n}\r\n") for n in set(expected) - set(numbers))
    return numbers == expected, lost, took


def input_run(stack: Stack, proxy: CutProxy, instance: str) -> tuple[bool, float]:
    child = stack.session(instance)
    child.timeout = 60
    child.expect(rb"\$ ")
    cut = cut_when_attached(proxy, child.pid)
    child.send(b"echo TYPED_$((6*7))\r")
    child.expect(b"reconnected")
    took = time.monotonic() - cut
    child.expect(b"TYPED_42")
    child.send(b"echo EN''D\r")
    child.expect(b"END")
    once = (child.before or b"").count(b"TYPED_42") == 0
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    return once, took


def expiry_run(stack: Stack, proxy: CutProxy, instance: str) -> bool:
    child = stack.session(instance)
    child.timeout = 60
    child.expect(rb"\$ ")
    child.kill(signal.SIGSTOP)
    try:
        cut_when_attached(proxy, child.pid)

        def ended() -> bool:
            rows = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"]
            return bool(rows) and rows[0]["State"] == "Terminated"

        eventually_sync(ended, what="the detached session to end", timeout=30, interval=0.2)
        reason = stack.api("DescribeTerminalSessions", {"InstanceId": instance})["Sessions"][0]["EndReason"]
    finally:
        child.kill(signal.SIGCONT)
    child.expect(pexpect.EOF)
    return bool(reason == "detached_timeout")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        proxy = CutProxy(stack.port)
        try:
            stack.start_server("--public-url", f"https://127.0.0.1:{proxy.port}", "--resume-window", "3")
            instance = stack.add_agent()
            results = [output_run(stack, proxy, instance, args.lines) for _ in range(args.runs)]
            times = [t for _, _, t in results]
            print(f"output cut mid-stream: {sum(ok for ok, _, _ in results)}/{args.runs} survived, "
                  f"bytes lost {sum(lost for _, lost, _ in results)}, time to resume p50 "
                  f"{statistics.median(times) * 1000:.0f} ms p95 {percentile(times, 95) * 1000:.0f} ms")
            cuts = [agent_run(stack, proxy, instance, args.lines) for _ in range(args.runs)]
            times = [t for _, _, t in cuts]
            print(f"agent data channel cut mid-stream: {sum(ok for ok, _, _ in cuts)}/{args.runs} survived, "
                  f"bytes lost {sum(lost for _, lost, _ in cuts)}, time to re-dial p50 "
                  f"{statistics.median(times) * 1000:.0f} ms p95 {percentile(times, 95) * 1000:.0f} ms")
            typed = [input_run(stack, proxy, instance) for _ in range(args.runs)]
            times = [t for _, t in typed]
            print(f"input typed during the cut: {sum(ok for ok, _ in typed)}/{args.runs} delivered once, "
                  f"time to resume p50 {statistics.median(times) * 1000:.0f} ms p95 "
                  f"{percentile(times, 95) * 1000:.0f} ms")
            expired = [expiry_run(stack, proxy, instance) for _ in range(args.runs)]
            print(f"window expiry: {sum(expired)}/{args.runs} ended as detached_timeout")
        finally:
            stack.close()
            proxy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
