"""Alibaba's session client (1.01, ali-instance-cli's framing) through tether, beside tether's own CLI, in one run.

    python bench/axt_bench.py [--bytes 512M] [--streams 4] [--keystrokes 200] [--agent tether] [--no-ssh]

Starts its own tether server and an agent (`--agent tether`: tether's own; `--agent assist`: the Cloud Assistant
agent peer of tests/support/assist_agent.py as its own process; tether asks that agent for no pacing with the
session entry's `flowLimit`, which the real `aliyun-service` honours, so the peer runs unpaced) and the zero-streaming
TCP source of forward_bench.py on the agent's side. Measures, for tether's CLI (`tether portforward`, `tether
session`) and for the 1.01 peer of tests/support/axt_client.py (which speaks what ali-instance-cli speaks: one
WebSocket per TCP connection, 2 KiB frames, the pacing the server's Status(Stream) sets):
- bulk throughput of one TCP stream through the forward, and of N in parallel (MB/s, counted at the reader);
- keystroke echo round trip of a shell (p50/p99): one byte into `cat` under `stty -icanon`, until its echo;
- with sshd installed, `ssh -L` beside them (forward_bench.py's helpers).
The 1.01 forward is measured without the CLI's own 3 s wait before it sends on a new connection (a fixed cost per
connection, printed separately). Machines here are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import _support  # noqa: F401  (registers tests/support as `support`, imported below)
import aiohttp
from forward_bench import _Server, _Source, parallel, parse_size, pct, pull, ssh_forward, tether_forward
from session_bench import echo_latency
from support.axt_client import Cli101, Forward101
from support.sshd import Sshd, sshd_binary
from support.stack import Stack

TESTS = Path(__file__).resolve().parents[1] / "tests"


def tether_agent(stack: Stack) -> str:
    return stack.add_agent()


def assist_agent(stack: Stack) -> str:
    """Register the Cloud Assistant agent peer with a tether activation and run it as its own process."""
    activation = json.loads(stack.cli("activation", "create", "--json").stdout)
    state = stack.root / "assist-agent"
    env = stack.base_env()
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])])
    common = ["--server", f"127.0.0.1:{stack.port}", "--ca-cert", stack.creds["ca_cert"], "--state-dir", str(state)]
    registered = subprocess.run(
        [sys.executable, "-m", "support.assist_agent", "register", *common,
         "--activation-id", activation["ActivationId"], "--activation-code", activation["ActivationCode"]],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    instance_id: str = json.loads(registered.stdout)["instanceId"]
    with open(stack.root / "assist-agent.log", "ab") as log:
        stack.agents[instance_id] = subprocess.Popen(  # stopped by stack.close() like tether's agents
            [sys.executable, "-m", "support.assist_agent", "run", *common],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )
    stack.wait_online(instance_id)
    return instance_id


# agent kinds this benchmark can run against: name -> start one on the stack, return its instance id
AGENTS: dict[str, Callable[[Stack], str]] = {
    "tether": tether_agent,
    "assist": assist_agent,
}


class Loop:
    """An asyncio loop in a thread, for the 1.01 peer beside the blocking measurements."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def start_session(stack: Stack, instance: str, **body: object) -> str:
    return str(stack.api("StartTerminalSession", {"InstanceId": instance, **body})["WebSocketUrl"])


async def open_forward(http: aiohttp.ClientSession, url: str, ctx: ssl.SSLContext, delay: float) -> Forward101:
    return await Forward101(http, url, ctx, connect_delay=delay).start()


async def axt_echo(http: aiohttp.ClientSession, url: str, ctx: ssl.SSLContext, keystrokes: int) -> list[float]:
    cli = await Cli101(http, url, ctx).connect()
    await cli.send_resize(40, 120)
    await cli.send_input(b"stty -icanon; echo READY_$((2*21)); cat > /dev/null\n")
    await cli.wait_output(b"READY_42", timeout=30)
    await asyncio.sleep(0.3)  # let the prompt's output settle before timing
    samples = []
    for i in range(keystrokes):
        mark = len(cli.output)
        ch = b"abcdefghijklmnopqrstuvwxyz"[i % 26 : i % 26 + 1]
        start = time.perf_counter()
        await cli.send_input(ch)
        while ch not in cli.output[mark:]:
            await asyncio.sleep(0)  # the peer's reader runs on this loop; yield to it
        samples.append(time.perf_counter() - start)
        if i % 60 == 59:
            await cli.send_input(b"\n")
            await asyncio.sleep(0.02)
    await cli.send_input(b"\x03exit\n")
    await cli.close()
    return samples


def row(label: str, values: list[float | None], better: str) -> str:
    base = values[0]
    cells = "".join(f"{v:>12.2f}" if v is not None else f"{'-':>12}" for v in values)
    ratio = f"{values[1] / base:>8.2f}x" if base and values[1] else ""
    return f"{label:<34}{cells}{ratio}  ({better}; ratio = 1.01 / tether)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bytes", default="512M")
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--keystrokes", type=int, default=200)
    parser.add_argument("--agent", choices=sorted(AGENTS), default="tether")
    parser.add_argument("--no-ssh", action="store_true")
    args = parser.parse_args()
    nbytes = parse_size(args.bytes)

    root = Path(tempfile.mkdtemp(prefix="tether-axt-bench-"))
    source = _Server(("127.0.0.1", 0), _Source)
    threading.Thread(target=source.serve_forever, daemon=True).start()
    source_port = source.server_address[1]
    stack = Stack(root)
    loop = Loop()
    sshd: Sshd | None = None
    try:
        stack.start_server()
        instance = AGENTS[args.agent](stack)
        ctx = ssl.create_default_context(cafile=stack.creds["ca_cert"])
        http = loop.run(_session())
        if not args.no_ssh and sshd_binary() is not None:
            sshd = Sshd(root / "ssh")

        with tether_forward(stack, instance, source_port) as port:
            pull(port, 1 << 20)
            ours_bulk = nbytes / pull(port, nbytes)
            ours_par = parallel(port, nbytes // args.streams, args.streams)
        url = start_session(stack, instance, PortNumber=source_port)
        fwd = loop.run(open_forward(http, url, ctx, 0.0))
        pull(fwd.port, 1 << 20)
        axt_bulk = nbytes / pull(fwd.port, nbytes)
        axt_par = parallel(fwd.port, nbytes // args.streams, args.streams)
        loop.run(fwd.close())
        ssh_bulk = ssh_par = None
        if sshd:
            with ssh_forward(sshd, source_port) as port:
                pull(port, 1 << 20)
                ssh_bulk = nbytes / pull(port, nbytes)
                ssh_par = parallel(port, nbytes // args.streams, args.streams)

        ours_echo = echo_latency([sys.executable, "-m", "tether", "session", "-i", instance], stack.env(),
                                 args.keystrokes)
        axt_samples = loop.run(axt_echo(http, start_session(stack, instance), ctx, args.keystrokes))

        print(f"\n1.01 client vs tether CLI ({args.agent} agent): {nbytes >> 20} MiB bulk, {args.streams} streams, "
              f"{args.keystrokes} keystrokes; {os.cpu_count()} CPUs")
        print(f"{'':<34}{'tether':>12}{'1.01':>12}{'ssh -L':>12}")
        print(row("forward 1 stream (MB/s)", [ours_bulk / 1e6, axt_bulk / 1e6, ssh_bulk and ssh_bulk / 1e6],
                  "higher is better"))
        print(row(f"forward {args.streams} streams (MB/s)", [ours_par / 1e6, axt_par / 1e6, ssh_par and ssh_par / 1e6],
                  "higher is better"))
        print(row("echo p50 (ms)", [pct(ours_echo, 50) * 1e3, pct(axt_samples, 50) * 1e3, None], "lower is better"))
        print(row("echo p99 (ms)", [pct(ours_echo, 99) * 1e3, pct(axt_samples, 99) * 1e3, None], "lower is better"))
        print("ali-instance-cli itself also waits 3 s on each new forward connection before it sends (not measured "
              "above), and sends at most 2 KiB per WebSocket frame.")
        loop.run(http.close())
    finally:
        if sshd:
            sshd.close()
        loop.close()
        stack.close()
        source.shutdown()


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


if __name__ == "__main__":
    main()
