"""Shell-session benchmark: tether beside OpenSSH on the same machine, in one run, as ratios.

    python bench/session_bench.py [--bytes 1G] [--keystrokes 300] [--starts 7] [--no-ssh]
                                  [--recording-rounds 3] [--recording-only] [--startup-only]
                                  [--memory-count 5] [--memory-only]

Starts its own tether server and agent (loopback, TLS) and, when `sshd` is installed, a throwaway sshd on a free
loopback port with temporary host and user keys. Measures, for each:
- keystroke echo round trip (p50/p99): one byte typed into `cat` under `stty -icanon`, timed until the terminal's
  echo arrives back at the client (the line discipline echoes, so this is pure transport latency);
- bulk output throughput: `head -c N /dev/zero` in a PTY on the far side, counted at the client;
- time from starting the client to the first byte of output (the prompt), and the same broken down by step
  (CLI import, API call, each TCP+TLS handshake, data-channel attach, the agent's shell spawn), from the CLI's
  TETHER_TRACE_STARTUP marks (tether/client/tracing.py; off and free otherwise) and the agent's log;
- peak RSS of each process during the bulk transfer (server, agent, CLI vs sshd, ssh);
- memory: server RSS at idle, per idle agent and per open idle session; agent RSS per session; CLI RSS;
- the cost of session recording: bulk output with recording on and off (the account setting RecordSessions,
  switched through the API between runs), alternating, best of each, as a ratio (the target is >= 0.90).
  `head -c N /dev/zero` is the recorder's worst case: every NUL byte becomes a 6-byte `\\u0000` in the cast.
Machines here are noisy: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import _support  # noqa: F401  (registers tests/support as `support`, imported below)
import pexpect
import psutil
from support.sshd import Sshd, sshd_binary
from support.stack import Stack


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def echo_latency(argv: list[str], env: dict[str, str] | None, keystrokes: int) -> list[float]:
    """Seconds from writing one byte to seeing its echo, at the client's terminal."""
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(40, 120), timeout=30)
    child.send(b"stty -icanon; echo READY_$((2*21)); cat > /dev/null\r")
    child.expect(b"READY_42")
    time.sleep(0.3)
    while True:  # drain
        try:
            child.read_nonblocking(65536, timeout=0.2)
        except pexpect.TIMEOUT:
            break
    samples = []
    fd = child.child_fd
    for i in range(keystrokes):
        ch = b"abcdefghijklmnopqrstuvwxyz"[i % 26 : i % 26 + 1]
        start = time.perf_counter()
        os.write(fd, ch)
        seen = b""
        while ch not in seen:
            select.select([fd], [], [], 5)
            seen += os.read(fd, 4096)
        samples.append(time.perf_counter() - start)
        if i % 60 == 59:
            os.write(fd, b"\r")
            time.sleep(0.02)
            try:
                while True:
                    child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                pass
    child.sendcontrol("c")
    child.send(b"exit\r")
    child.expect(pexpect.EOF)
    child.close()
    return samples


def throughput(argv: list[str], env: dict[str, str] | None, nbytes: int,
               watch: Callable[[int], dict[str, list[int]]]) -> tuple[float, dict[str, float]]:
    """Bytes per second of PTY output counted at the client, and the peak RSS (MiB) of the watched processes.

    Also `"<name> growth"`: peak minus the first sample once output flows, i.e. what the flood itself cost.

    `watch(client_pid)` names the processes to sample (several pids under one name are summed).
    """
    peaks: dict[str, float] = {}
    firsts: dict[str, float] = {}
    stop, flowing = threading.Event(), threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for name, pids in watch(proc.pid).items():
                total = 0.0
                for pid in pids:
                    try:
                        total += psutil.Process(pid).memory_info().rss / 2**20
                    except psutil.Error:
                        continue
                if flowing.is_set():  # growth is measured from the moment output flows, not from start-up
                    firsts.setdefault(name, total)
                peaks[name] = max(peaks.get(name, 0.0), total)
            time.sleep(0.05)


    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    total = 0
    start = time.perf_counter()
    while chunk := proc.stdout.read1(1 << 20):  # type: ignore[attr-defined]
        total += len(chunk)
        if total > (1 << 20):
            flowing.set()
    elapsed = time.perf_counter() - start
    proc.wait()
    stop.set()
    sampler.join()
    if total < nbytes:
        raise RuntimeError(f"only {total} of {nbytes} bytes arrived")
    peaks.update({f"{name} growth": peaks[name] - first for name, first in firsts.items()})
    return total / elapsed, peaks


def end_shell(child: pexpect.spawn) -> None:
    """Type `exit` (read ahead by the shell once its prompt is up) and wait for the end; force it if that fails.

    No ^C first: on SIGINT the line discipline flushes typed-ahead input, which ate the `e` of `exit` on a loaded
    machine and left the shell running until the timeout.
    """
    child.send(b"exit\r")
    try:
        child.expect(pexpect.EOF, timeout=10)
    except pexpect.TIMEOUT:
        pass  # the timing is taken; close() ends it
    finally:
        child.close(force=True)


def time_to_first_byte(argv: list[str], env: dict[str, str] | None, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(40, 120), timeout=30)
        child.read_nonblocking(1, timeout=30)
        samples.append(time.perf_counter() - start)
        end_shell(child)
    return samples


AGENT_SHELL_STARTED = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*: session \S+: shell started")


def agent_shell_starts(log: Path) -> list[float]:
    """Wall-clock times of the agent's "shell started" log lines (its asctime is local time, in milliseconds)."""
    times = []
    for line in log.read_text(errors="replace").splitlines():
        match = AGENT_SHELL_STARTED.match(line)
        if match:
            stamp = time.mktime(time.strptime(match.group(1), "%Y-%m-%d %H:%M:%S"))
            times.append(stamp + int(match.group(2)) / 1000)
    return times


def startup_breakdown(argv: list[str], env: dict[str, str], agent_log: Path, runs: int,
                      trace_dir: Path) -> dict[str, list[float]]:
    """Per step, seconds since the previous step, from the CLI's TETHER_TRACE_STARTUP marks and the agent's log.

    Steps: process spawn -> CLI imported -> API call (its TCP+TLS connection inside) -> data channel dialled ->
    its TCP+TLS connection -> WebSocket attached -> the agent's shell spawned -> first byte at the terminal.
    The agent's log has millisecond stamps; the rest microseconds.
    """
    steps: dict[str, list[float]] = {}
    for run in range(runs):
        trace = trace_dir / f"startup-{run}.trace"
        trace.unlink(missing_ok=True)
        before = len(agent_shell_starts(agent_log))
        spawned = time.time()
        child = pexpect.spawn(argv[0], argv[1:], env={**env, "TETHER_TRACE_STARTUP": str(trace)},
                              dimensions=(40, 120), timeout=30)
        child.read_nonblocking(1, timeout=30)
        first = time.time()
        end_shell(child)
        marks: list[tuple[float, str]] = [(spawned, "spawn")]
        connects = 0
        for line in (trace.read_text().splitlines() if trace.exists() else []):
            stamp, _, step = line.partition(" ")
            if step.startswith("tcp+tls"):  # the first pair is the API's connection, the second the data channel's
                connects += step == "tcp+tls connect start"
                step = f"{step} ({'API' if connects == 1 else 'data channel'})"
            marks.append((float(stamp), step))
        shells = agent_shell_starts(agent_log)[before:]
        if shells:
            marks.append((shells[0], "agent shell started (agent log)"))
        marks.append((first, "first byte at the terminal"))
        marks.sort()
        for (previous, _), (stamp, step) in itertools.pairwise(marks):
            steps.setdefault(step, []).append(stamp - previous)
    return steps


def print_breakdown(steps: dict[str, list[float]]) -> None:
    runs = max(len(v) for v in steps.values())
    print(f"\nstart to first byte, step by step (median ms since the previous step, {runs} runs)")
    total = 0.0
    for step, values in steps.items():
        total += statistics.median(values)
        print(f"  {step:<52}{statistics.median(values) * 1e3:9.1f}  (at {total * 1e3:7.1f})")


def rss_mib(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / 2**20


def memory_profile(stack: Stack, instance: str, shell: list[str], env: dict[str, str], count: int) -> list[str]:
    """Server RSS at idle, then per idle agent (`count` more agents) and per open idle session (`count` shells).

    Deltas are divided by `count`; the first of each warms caches too, so read them as upper bounds.
    """
    assert stack.server is not None
    server, agent = stack.server.pid, stack.agents[instance].pid
    time.sleep(1.0)
    idle = rss_mib(server)
    for i in range(count):
        stack.add_agent(f"idle-{i}")
    time.sleep(1.0)
    with_agents = rss_mib(server)
    agent_before = rss_mib(agent)
    children = []
    try:
        for _ in range(count):
            child = pexpect.spawn(shell[0], shell[1:], env=env, dimensions=(40, 120), timeout=30)
            child.read_nonblocking(1, timeout=30)
            children.append(child)
        time.sleep(1.0)
        with_sessions, agent_after = rss_mib(server), rss_mib(agent)
        cli = statistics.median(rss_mib(c.pid) for c in children)
    finally:
        for child in children:
            child.close(force=True)
    return [
        f"{'server RSS at idle (MiB)':<44}{idle:10.1f}",
        f"{'server RSS per idle agent (MiB)':<44}{(with_agents - idle) / count:10.2f}  ({count} agents)",
        f"{'server RSS per open idle session (MiB)':<44}{(with_sessions - with_agents) / count:10.2f}"
        f"  ({count} shells)",
        f"{'agent RSS per open idle session (MiB)':<44}{(agent_after - agent_before) / count:10.2f}",
        f"{'CLI RSS of an open idle session (MiB)':<44}{cli:10.1f}  (peak during bulk: see above)",
    ]


def set_recording(stack: Stack, on: bool) -> None:
    stack.api("ModifyCloudAssistantSettings",
              {"SettingType": "SessionManagerConfig", "SessionManagerConfig": {"RecordSessions": on}})


def recording_cost(stack: Stack, argv: list[str], env: dict[str, str], nbytes: int, rounds: int,
                   watch: Callable[[int], dict[str, list[int]]]) -> dict[bool, list[float]]:
    """Bulk throughput (bytes/s) with recording off and on, alternating so drift in the machine hits both."""
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        for on in (False, True):
            set_recording(stack, on)
            for attempt in range(3):
                try:
                    rate, _ = throughput(argv, env, nbytes, watch)
                    break
                except RuntimeError as exc:  # a cut transfer is reported, not averaged in
                    print(f"recording {'on' if on else 'off'}: run {attempt + 1} failed ({exc}); repeating",
                          file=sys.stderr)
            else:
                raise RuntimeError("three runs in a row were cut short; see the server and agent logs")
            rates[on].append(rate)
    set_recording(stack, True)
    return rates


def children_of(pid: int, name: str) -> list[int]:
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True) if p.name().startswith(name)]
    except psutil.Error:
        return []


def row(label: str, ours: float, theirs: float | None, unit: str, better: str) -> str:
    ratio = f"{ours / theirs:6.2f}x" if theirs else "   n/a"
    theirs_text = f"{theirs:12.3f}" if theirs is not None else f"{'-':>12}"
    return f"{label:<38}{ours:12.3f}{theirs_text}  {unit:<8}{ratio}  ({better})"


def print_recording_cost(rates: dict[bool, list[float]], nbytes: int, source: str) -> None:
    off, on = max(rates[False]), max(rates[True])
    print(f"\nrecording cost: {nbytes / 2**20:.0f} MiB bulk of {source}, {len(rates[True])} runs each, alternating, "
          "best of each")
    print(f"{'bulk output, recording off (MB/s)':<38}{off / 1e6:12.1f}   runs: "
          + " ".join(f"{r / 1e6:.1f}" for r in rates[False]))
    print(f"{'bulk output, recording on (MB/s)':<38}{on / 1e6:12.1f}   runs: "
          + " ".join(f"{r / 1e6:.1f}" for r in rates[True]))
    verdict = "within" if on / off >= 0.9 else "OUTSIDE"
    print(f"{'on / off, best of each':<38}{on / off:12.3f}   ({verdict} the 0.90 target)")
    # one lucky run skews "best of"; the median of the alternating runs says the same thing more steadily
    median_ratio = statistics.median(rates[True]) / statistics.median(rates[False])
    verdict = "within" if median_ratio >= 0.9 else "OUTSIDE"
    print(f"{'on / off, median of each':<38}{median_ratio:12.3f}   ({verdict} the 0.90 target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bytes", default="1G", help="bulk output size (default 1G)")
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--no-ssh", action="store_true", help="skip the OpenSSH column")
    parser.add_argument("--recording-rounds", type=int, default=3,
                        help="bulk runs with recording off and on each, alternating (0 skips the comparison)")
    parser.add_argument("--recording-source", choices=["zeros", "text"], default="zeros",
                        help="bulk output for the recording comparison: NUL bytes (the recorder's worst case, "
                             "6 bytes of cast per byte) or lines of text (what terminals mostly print)")
    parser.add_argument("--memory-count", type=int, default=5,
                        help="idle agents and idle sessions added for the per-agent and per-session RSS (0 skips)")
    parser.add_argument("--memory-only", action="store_true", help="measure only the memory figures")
    parser.add_argument("--startup-only", action="store_true",
                        help="measure only start to first byte and its breakdown (beside ssh)")
    parser.add_argument("--recording-only", action="store_true",
                        help="measure only the cost of recording (no echo, start-up or OpenSSH runs)")
    args = parser.parse_args()
    nbytes = parse_size(args.bytes)

    root = Path(tempfile.mkdtemp(prefix="tether-bench-"))
    stack = Stack(root)
    sshd: Sshd | None = None
    try:
        stack.start_server()
        instance = stack.add_agent()
        env = stack.env()
        tether_shell = [sys.executable, "-m", "tether", "session", "-i", instance]
        tether_bulk = [*tether_shell, "--command", f"head -c {nbytes} /dev/zero"]
        text_source = f"yes 'The quick brown fox jumps over the lazy dog 0123456789' | head -c {nbytes}"
        recording_bulk = tether_bulk if args.recording_source == "zeros" else [*tether_shell, "--command", text_source]
        if args.no_ssh:
            print("OpenSSH column skipped (--no-ssh)")
        elif sshd_binary() is None:
            print("OpenSSH column skipped: sshd is not installed (apt-get install openssh-server)")
        else:
            sshd = Sshd(root / "ssh")

        assert stack.server is not None
        server_pid, agent_pid = stack.server.pid, stack.agents[instance].pid

        def tether_watch(cli: int) -> dict[str, list[int]]:
            return {"server": [server_pid], "agent": [agent_pid], "client": [cli]}

        if args.recording_only:
            print_recording_cost(recording_cost(stack, recording_bulk, env, nbytes, args.recording_rounds or 1,
                                                tether_watch), nbytes, args.recording_source)
            return
        if args.memory_only:
            print("\n".join(memory_profile(stack, instance, tether_shell, env, max(1, args.memory_count))))
            return
        if args.startup_only:
            ours_start = time_to_first_byte(tether_shell, env, args.starts)
            theirs_start = time_to_first_byte(sshd.argv(), None, args.starts) if sshd else None
            print(row("start to first byte (ms)", statistics.median(ours_start) * 1e3,
                      statistics.median(theirs_start) * 1e3 if theirs_start else None, "", "lower is better"))
            print_breakdown(startup_breakdown(tether_shell, env, root / f"agent-{instance}.log", args.starts, root))
            return
        results: dict[str, tuple[float, float | None]] = {}
        ours = echo_latency(tether_shell, env, args.keystrokes)
        theirs = echo_latency(sshd.argv(), None, args.keystrokes) if sshd else None
        results["echo p50 (ms)"] = (percentile(ours, 50) * 1e3, percentile(theirs, 50) * 1e3 if theirs else None)
        results["echo p99 (ms)"] = (percentile(ours, 99) * 1e3, percentile(theirs, 99) * 1e3 if theirs else None)

        rate, peaks = throughput(tether_bulk, env, nbytes, tether_watch)
        ssh_rate, ssh_peaks = None, {}
        if sshd:
            sshd_pid = sshd.proc.pid
            ssh_rate, ssh_peaks = throughput(
                sshd.argv(f"head -c {nbytes} /dev/zero"), None, nbytes,
                lambda cli: {"server": [sshd_pid], "agent": children_of(sshd_pid, "sshd"), "client": [cli]},
            )
        results["bulk output (MB/s)"] = (rate / 1e6, ssh_rate / 1e6 if ssh_rate else None)

        ours_start = time_to_first_byte(tether_shell, env, args.starts)
        theirs_start = time_to_first_byte(sshd.argv(), None, args.starts) if sshd else None
        results["start to first byte (ms)"] = (
            statistics.median(ours_start) * 1e3, statistics.median(theirs_start) * 1e3 if theirs_start else None
        )

        breakdown = startup_breakdown(tether_shell, env, root / f"agent-{instance}.log", args.starts, root)

        print(f"\ntether session benchmark: {nbytes / 2**20:.0f} MiB bulk, {args.keystrokes} keystrokes, "
              f"{args.starts} starts; {os.cpu_count()} CPUs")
        print(f"{'':<38}{'tether':>12}{'ssh':>12}  {'unit':<8}{'ratio':>7}")
        better = {"echo p50 (ms)": "lower is better", "echo p99 (ms)": "lower is better",
                  "bulk output (MB/s)": "higher is better", "start to first byte (ms)": "lower is better"}
        for label, (a, b) in results.items():
            print(row(label, a, b, "", better[label]))
        print_breakdown(breakdown)
        labels = {"server": "peak RSS server / sshd listener", "agent": "peak RSS agent / sshd session",
                  "client": "peak RSS tether CLI / ssh"}
        for key, label in labels.items():
            print(row(label, peaks.get(key, 0.0), ssh_peaks.get(key) if sshd else None, "MiB", "during bulk"))
        for key, label in labels.items():
            growth_label = label.replace("peak RSS", "RSS growth")
            print(f"{growth_label:<38}{peaks.get(key + ' growth', 0.0):12.1f}"
                  f"{ssh_peaks.get(key + ' growth', 0.0) if sshd else float('nan'):12.1f}  MiB     (flat = bounded)")
        if args.memory_count > 0:
            print()
            print("\n".join(memory_profile(stack, instance, tether_shell, env, args.memory_count)))
        if args.recording_rounds > 0:
            print_recording_cost(recording_cost(stack, recording_bulk, env, nbytes, args.recording_rounds,
                                                tether_watch), nbytes, args.recording_source)
    finally:
        if sshd:
            sshd.close()
        stack.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
