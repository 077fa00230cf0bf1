"""Agents benchmark: many simulated agents on one real `tether server` (connect storm, kill -9 and restart, idle cost).

    python bench/agents_bench.py --agents 2000 --workers 4 [--db postgresql://postgres@127.0.0.1:5432/test]
                                 [--idle 30] [--json FILE]
    python bench/agents_bench.py --nodes 3 --db postgresql://postgres@127.0.0.1:5432/test --agents 1500

What runs:
- a real `tether server` process (SQLite in its data directory, or a temporary database created on the PostgreSQL
  server `--db` names, dropped afterwards), pinned to one CPU with `taskset` when there is one to spare;
- N agents registered through the real activation API (unsigned RegisterInstance, each with its own Ed25519 key);
- W worker processes, each running its share of the agents as asyncio tasks that speak the real control protocol:
  Ed25519 challenge (tether.auth.agentkey), hello, welcome, a heartbeat every `heartbeat_interval` the server gives,
  WebSocket pings like the agent's, and the agent's own `Backoff` (tether.agent.backoff) between attempts.

Phases: every agent dials at once (connect time from the moment the workers are told to go); an idle window (server
RSS and CPU); DescribeInstances with one id and paging through all; kill -9 of the server and an immediate restart
(time until each agent is welcomed again, counted from the kill). "Left looping" counts agents not connected when
a phase gives up (must be 0). The machine this runs on may be shared: compare runs made one after the other.

`--nodes K` (PostgreSQL only): K servers on the one temporary database (the first node's secret key and CA copied
to the others, as an operator does), none pinned. Each agent is given every node's URL, starts on node
`index % K` and steps through the list whenever a dial or a connection fails, by a step of 1..K-1 that differs
between agents, so a lost node's agents spread over the others (no load balancer: that is HAProxy's job in front
of real nodes). The figures are per node; then the last node is killed with -9 and not restarted,
and "moved" is the time until each of its agents is welcomed by another node, counted from the kill.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import random
import resource
import secrets
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from tether.agent.backoff import Backoff

try:
    from tether.agent.control import retry_after_of
except ImportError:  # a tree from before agents honoured Retry-After
    retry_after_of = None  # type: ignore[assignment]
from tether.auth.agentkey import generate_key, public_key_text, sign_challenge
from tether.client.api import ApiClient
from tether.client.errors import ApiError
from tether.protocol.control import (
    MAX_CONTROL_MESSAGE,
    AgentHello,
    Challenge,
    ControlError,
    Heartbeat,
    Welcome,
    decode_control,
    encode_control,
)

HANDSHAKE_TIMEOUT = 30.0  # the agent's (tether/agent/control.py)
CONTROL_HEARTBEAT = 20.0
ACTIVATION_USES = 1000  # what every server version accepts per activation
AGENTS_PER_ADDRESS = 40


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# -- the worker: many agents in one process ------------------------------------------------------------------------


class SimAgent:
    def __init__(self, index: int, instance_id: str, key_b64: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.index = index
        self.instance_id = instance_id
        self.key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key_b64))
        self.connected = False


def emit(event: str, index: int, detail: str = "") -> None:
    sys.stdout.write(f"{event} {index} {time.time():.4f} {detail}\n")


async def beat(ws: aiohttp.ClientWebSocketResponse, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await ws.send_str(encode_control(Heartbeat(sessions=0)))


async def run_agent(agent: SimAgent, urls: list[str], ctx: ssl.SSLContext, http: aiohttp.ClientSession) -> None:
    backoff = Backoff(1.0, 60.0, 60.0)  # the agent's defaults (tether/agent/config.py)
    # several nodes: start on one and step through the list whenever a dial or connection fails; the step differs
    # between agents (1..K-1), so a lost node's agents spread over all the others rather than all onto the next
    which = agent.index % len(urls)
    step = 1 + (agent.index // len(urls)) % max(1, len(urls) - 1)
    while True:
        url = urls[which]
        started = time.monotonic()
        welcomed = False
        failure = "closed"
        busy: float | None = None
        try:
            ws = await asyncio.wait_for(
                http.ws_connect(url, heartbeat=CONTROL_HEARTBEAT, max_msg_size=MAX_CONTROL_MESSAGE + 1, ssl=ctx),
                HANDSHAKE_TIMEOUT,
            )
            try:
                msg = await asyncio.wait_for(ws.receive(), HANDSHAKE_TIMEOUT)
                challenge = decode_control(msg.data) if msg.type == aiohttp.WSMsgType.TEXT else None
                if not isinstance(challenge, Challenge):
                    raise ConnectionError("no challenge")
                nonce = base64.b64decode(challenge.nonce)
                hello = AgentHello(
                    instance_id=agent.instance_id,
                    signature=sign_challenge(agent.key, nonce, agent.instance_id),
                    agent_version="bench",
                    hostname=f"sim-{agent.index}",
                    os_type="linux",
                    os_name="bench",
                )
                await ws.send_str(encode_control(hello))
                msg = await asyncio.wait_for(ws.receive(), HANDSHAKE_TIMEOUT)
                welcome = decode_control(msg.data) if msg.type == aiohttp.WSMsgType.TEXT else None
                if isinstance(welcome, ControlError):
                    raise ConnectionError(f"refused {welcome.code}")
                if not isinstance(welcome, Welcome):
                    raise ConnectionError("no welcome")
                welcomed = True
                agent.connected = True
                emit("up", agent.index, str(which))
                interval = max(1.0, welcome.heartbeat_interval)

                beater = asyncio.create_task(beat(ws, interval))
                try:
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                finally:
                    beater.cancel()
                    await asyncio.gather(beater, return_exceptions=True)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 2)
        except aiohttp.WSServerHandshakeError as exc:
            failure = f"http{exc.status}"
            busy = retry_after_of(exc) if retry_after_of is not None else None
        except (aiohttp.ClientError, OSError, TimeoutError, ConnectionError, ValueError) as exc:
            failure = type(exc).__name__
        if agent.connected:
            agent.connected = False
            emit("down", agent.index)
        else:
            emit("fail", agent.index, failure)
        which = (which + step) % len(urls)
        if busy is not None:  # the agent's schedule (tether/agent/control.py)
            delay = backoff.after_refusal(busy)
        elif welcomed and hasattr(backoff, "after_connection"):  # the agent's schedule (tether/agent/control.py)
            delay = backoff.after_connection(time.monotonic() - started)
        else:
            if welcomed:  # before the first-retry window existed
                backoff.connected_for(time.monotonic() - started)
            delay = backoff.next_delay()
        await asyncio.sleep(delay)


async def worker_main(spec_file: Path) -> None:
    raise_nofile()
    spec = json.loads(spec_file.read_text())
    agents = [SimAgent(a["index"], a["id"], a["key"]) for a in spec["agents"]]
    ctx = ssl.create_default_context(cafile=spec["ca"])
    urls = [u.replace("https://", "wss://") + "/agent/v1/control" for u in spec.get("urls") or [spec["url"]]]
    # agents are machines of their own: each group dials from its own loopback address (127.W.G.1), so the server's
    # per-address bounds (64 connections awaiting their headers) see what they would see in a fleet
    worker = spec["worker"]
    sessions = [
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, local_addr=(f"127.{worker + 1}.{g}.1", 0)))
        for g in range(max(1, math.ceil(len(agents) / AGENTS_PER_ADDRESS)))
    ]
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    tasks = [
        asyncio.create_task(run_agent(a, urls, ctx, sessions[i // AGENTS_PER_ADDRESS])) for i, a in enumerate(agents)
    ]

    async def flusher() -> None:
        while True:
            await asyncio.sleep(0.2)
            sys.stdout.flush()

    flush = asyncio.create_task(flusher())
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "stop" or EOF
    flush.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for http in sessions:
        await http.close()
    sys.stdout.flush()


# -- the driver ---------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, root: Path, port: int, db: str | None, cpu: int | None, node: str | None = None) -> None:
        self.root = root
        self.port = port
        self.db = db
        self.cpu = cpu
        self.node = node
        self.data = root / ("server" if node is None else f"server-{node}")
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / ("server.log" if node is None else f"server-{node}.log")

    def start(self) -> None:
        argv = [sys.executable, "-m", "tether", "server", "--data-dir", str(self.data),
                "--listen", f"127.0.0.1:{self.port}"]
        if self.db:
            argv += ["--db", self.db]
        if self.node is not None:
            argv += ["--node-id", self.node]
        if self.cpu is not None and shutil.which("taskset"):
            argv = ["taskset", "-c", str(self.cpu), *argv]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TETHER_")}
        env["TETHER_CONFIG_FILE"] = str(self.root / "config.toml")
        with open(self.log, "ab") as out:
            # cwd: not the checkout, so PYTHONPATH alone says which tree the server runs (`-m` puts cwd first)
            self.proc = subprocess.Popen(argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True, cwd=self.root)

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited; see {self.log}")
            try:
                _r, w = await asyncio.open_connection("127.0.0.1", self.port)
                w.close()
                if (self.data / "admin-credentials.json").exists():
                    return
            except OSError:
                pass
            await asyncio.sleep(0.05)
        raise SystemExit("the server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_kib(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listen_overflows() -> int:
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for head, values in zip(lines[::2], lines[1::2], strict=False):
        if head.startswith("TcpExt:"):
            return int(dict(zip(head.split(), values.split(), strict=False)).get("ListenOverflows", 0))
    return 0


async def register_all(client: ApiClient, url: str, ca: str, n: int) -> list[dict[str, Any]]:
    activations = []
    for _ in range(math.ceil(n / ACTIVATION_USES)):
        act = await client.call("CreateActivation", {"InstanceCount": ACTIVATION_USES})
        activations.append((act["ActivationId"], act["ActivationCode"]))
    ctx = ssl.create_default_context(cafile=ca)
    agents: list[dict[str, Any]] = []
    queue = list(range(n))

    async def one(http: aiohttp.ClientSession) -> None:
        from cryptography.hazmat.primitives import serialization

        while queue:
            index = queue.pop()
            key = generate_key()
            act_id, code = activations[index // ACTIVATION_USES]
            body = {"ActivationId": act_id, "ActivationCode": code, "PublicKey": public_key_text(key),
                    "Hostname": f"sim-{index}", "OsType": "linux", "OsName": "bench", "AgentVersion": "bench"}
            async with http.post(f"{url}/api/v1/RegisterInstance", json=body, ssl=ctx) as resp:
                data = await resp.json(content_type=None)
                if resp.status != 200:
                    raise SystemExit(f"RegisterInstance failed: {resp.status} {data}")
            raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
            agents.append({"index": index, "id": data["InstanceId"], "key": base64.b64encode(raw).decode()})

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(one(http) for _ in range(16)))
    return sorted(agents, key=lambda a: a["index"])


class Workers:
    def __init__(self) -> None:
        self.procs: list[asyncio.subprocess.Process] = []
        self.up: dict[int, float] = {}  # index -> time of the latest welcome
        self.node_of: dict[int, int] = {}  # index -> the node (its place in the URL list) that welcomed it last
        self.connected: set[int] = set()
        self.fails: dict[str, int] = {}
        self.readers: list[asyncio.Task[None]] = []

    async def start(self, specs: list[Path]) -> None:
        for spec in specs:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--worker", str(spec), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, limit=1 << 20,
            )
            self.procs.append(proc)
        for proc in self.procs:
            assert proc.stdout is not None
            line = await proc.stdout.readline()
            assert line.strip() == b"ready", line
        self.readers = [asyncio.create_task(self._read(p)) for p in self.procs]

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            parts = raw.decode().split()
            if len(parts) < 3:
                continue
            event, index, at = parts[0], int(parts[1]), float(parts[2])
            if event == "up":
                self.up[index] = at
                self.connected.add(index)
                self.node_of[index] = int(parts[3]) if len(parts) > 3 else 0
            elif event == "down":
                self.connected.discard(index)
            elif event == "fail":
                reason = parts[3] if len(parts) > 3 else "?"
                self.fails[reason] = self.fails.get(reason, 0) + 1

    async def send(self, line: str) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(line.encode() + b"\n")
            await proc.stdin.drain()

    async def stop(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self.send("stop")
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        for task in self.readers:
            task.cancel()


async def wait_all(workers: Workers, n: int, since: float, timeout: float) -> list[float]:
    """Seconds from `since` until each agent was welcomed (after `since`); waits until all are or `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = [t for t in workers.up.values() if t >= since]
        if len(fresh) >= n and len(workers.connected) >= n:
            break
        await asyncio.sleep(0.25)
    return sorted(t - since for t in workers.up.values() if t >= since)


def summary(times: list[float], n: int) -> dict[str, Any]:
    return {"p50": pct(times, 0.5), "p95": pct(times, 0.95), "all": times[-1] if len(times) >= n else None,
            "done": len(times), "left_looping": n - len(times)}


async def describe_latency(client: ApiClient, some_id: str) -> dict[str, Any]:
    one = []
    for _ in range(20):
        started = time.perf_counter()
        await client.call("DescribeInstances", {"InstanceIds": [some_id]})
        one.append(time.perf_counter() - started)
    started = time.perf_counter()
    pages = 0
    seen = 0
    mode = "NextToken"
    body: dict[str, Any] = {"MaxResults": 100}
    try:
        while True:
            reply = await client.call("DescribeInstances", body)
            pages += 1
            seen += len(reply["Instances"])
            token = reply.get("NextToken")
            if not token:
                break
            body = {"MaxResults": 100, "NextToken": token}
    except ApiError:  # a server without NextToken: page by number
        mode, pages, seen = "PageNumber", 0, 0
        started = time.perf_counter()
        page = 1
        while True:
            reply = await client.call("DescribeInstances", {"PageSize": 100, "PageNumber": page})
            pages += 1
            seen += len(reply["Instances"])
            if not reply["Instances"] or seen >= reply["TotalCount"]:
                break
            page += 1
    return {"one_id_median_ms": statistics.median(one) * 1000, "page_all_s": time.perf_counter() - started,
            "pages": pages, "listed": seen, "mode": mode}


async def temp_pg(base: str) -> tuple[str, str]:
    from sqlalchemy.engine import make_url

    from tether.server.bus import asyncpg_dsn

    name = f"agents_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(asyncpg_dsn(base))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


async def drop_pg(base: str, name: str) -> None:
    from tether.server.bus import asyncpg_dsn

    conn = await asyncpg.connect(asyncpg_dsn(base))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    nofile = raise_nofile()
    n = args.agents
    root = Path(tempfile.mkdtemp(prefix="agents-bench-"))
    db_url, pg_name = (None, None)
    if args.db:
        db_url, pg_name = await temp_pg(args.db)
    cpu = (os.cpu_count() or 1) - 1 if (os.cpu_count() or 1) > 1 and not args.no_taskset else None
    port = args.port or random.randint(20000, 40000)
    server = Server(root, port, db_url, cpu)
    result: dict[str, Any] = {"agents": n, "workers": args.workers, "db": "postgresql" if args.db else "sqlite",
                              "server_cpu": f"taskset -c {cpu}" if cpu is not None else "not pinned",
                              "nofile": nofile}
    workers = Workers()
    try:
        server.start()
        await server.wait_ready()
        creds = json.loads((server.data / "admin-credentials.json").read_text())
        client = ApiClient(creds["server"], creds["access_key_id"], creds["access_key_secret"], creds["ca_cert"])
        started = time.perf_counter()
        agents = await register_all(client, creds["server"], creds["ca_cert"], n)
        result["registration_per_s"] = n / (time.perf_counter() - started)
        rss_before = server.rss_kib()
        specs = []
        for w in range(args.workers):
            spec = root / f"worker-{w}.json"
            spec.write_text(json.dumps({"agents": agents[w::args.workers], "url": creds["server"], "worker": w,
                                        "ca": creds["ca_cert"]}))
            specs.append(spec)
        await workers.start(specs)
        overflows = listen_overflows()
        go = time.time()
        await workers.send("go")
        times = await wait_all(workers, n, go, args.timeout)
        result["connect"] = summary(times, n)
        result["connect"]["listen_overflows"] = listen_overflows() - overflows
        result["connect"]["failures"] = dict(workers.fails)
        print("connect:", json.dumps(result["connect"]), flush=True)
        await asyncio.sleep(5)
        cpu0, t0 = server.cpu_seconds(), time.monotonic()
        await asyncio.sleep(args.idle)
        idle = (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)
        rss = server.rss_kib()
        result["rss_mib"] = rss / 1024
        result["rss_per_agent_kib"] = (rss - rss_before) / max(1, len(workers.connected))
        result["idle_cpu_pct"] = idle * 100
        result["idle_cpu_pct_per_1000"] = idle * 100 * 1000 / n
        try:
            result["describe"] = await describe_latency(client, agents[0]["id"])
        except Exception as exc:  # an overloaded server may not answer at all: that is a figure too
            result["describe"] = {"error": str(exc)}
        await client.close()
        print("idle:", {k: result[k] for k in ("rss_mib", "rss_per_agent_kib", "idle_cpu_pct")},
              "describe:", result["describe"], flush=True)
        workers.fails.clear()
        overflows = listen_overflows()
        killed = time.time()
        server.kill()
        server.start()
        await server.wait_ready()
        result["restart_listening_s"] = time.time() - killed
        times = await wait_all(workers, n, killed, args.timeout)
        result["reconnect"] = summary(times, n)
        result["reconnect"]["listen_overflows"] = listen_overflows() - overflows
        result["reconnect"]["failures"] = dict(workers.fails)
        print("reconnect:", json.dumps(result["reconnect"]), flush=True)
        text = server.log.read_text(errors="replace")
        result["server_log"] = {"lines": text.count("\n"), "tracebacks": text.count("Traceback")}
    finally:
        await workers.stop()
        server.stop()
        if pg_name and args.db:
            await drop_pg(args.db, pg_name)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept", root)
    return result


def share_secrets(source: Path, target: Path) -> None:
    """What an operator copies to every node before its first start: the secret box key and the CA."""
    (target / "tls").mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    shutil.copy2(source / "secret.key", target / "secret.key")
    for name in ("ca.pem", "ca-key.pem"):
        shutil.copy2(source / "tls" / name, target / "tls" / name)
    shutil.copy2(source / "admin-credentials.json", target / "admin-credentials.json")


async def wait_moved(workers: Workers, moving: set[int], gone: int, since: float, timeout: float) -> list[float]:
    """Seconds from `since` until each agent of `moving` was welcomed by a node other than `gone`."""
    deadline = time.monotonic() + timeout

    def moved() -> list[float]:
        return sorted(workers.up[i] - since for i in moving
                      if workers.up.get(i, 0) >= since and workers.node_of.get(i) != gone and i in workers.connected)

    while time.monotonic() < deadline and len(moved()) < len(moving):
        await asyncio.sleep(0.25)
    return moved()


def per_node(workers: Workers, k: int) -> list[int]:
    counts = [0] * k
    for index in workers.connected:
        counts[workers.node_of.get(index, 0)] += 1
    return counts


async def main_nodes(args: argparse.Namespace) -> dict[str, Any]:
    """`--nodes K`: K servers on one temporary PostgreSQL database, agents spread over them, one node lost."""
    nofile = raise_nofile()
    n, k = args.agents, args.nodes
    root = Path(tempfile.mkdtemp(prefix="agents-bench-"))
    db_url, pg_name = await temp_pg(args.db)
    base = args.port or random.randint(20000, 40000)
    servers = [Server(root, base + i, db_url, None, node=f"relay-{i + 1}") for i in range(k)]
    result: dict[str, Any] = {"agents": n, "workers": args.workers, "db": "postgresql", "nodes": k,
                              "server_cpu": "not pinned", "nofile": nofile}
    workers = Workers()
    try:
        servers[0].start()
        await servers[0].wait_ready()
        for server in servers[1:]:
            share_secrets(servers[0].data, server.data)
            server.start()
        for server in servers[1:]:
            await server.wait_ready()
        creds = json.loads((servers[0].data / "admin-credentials.json").read_text())
        urls = [f"https://127.0.0.1:{server.port}" for server in servers]
        client = ApiClient(urls[0], creds["access_key_id"], creds["access_key_secret"], creds["ca_cert"])
        started = time.perf_counter()
        agents = await register_all(client, urls[0], creds["ca_cert"], n)
        result["registration_per_s"] = n / (time.perf_counter() - started)
        rss_before = [server.rss_kib() for server in servers]
        specs = []
        for w in range(args.workers):
            spec = root / f"worker-{w}.json"
            spec.write_text(json.dumps({"agents": agents[w::args.workers], "urls": urls, "worker": w,
                                        "ca": creds["ca_cert"]}))
            specs.append(spec)
        await workers.start(specs)
        overflows = listen_overflows()
        go = time.time()
        await workers.send("go")
        times = await wait_all(workers, n, go, args.timeout)
        result["connect"] = summary(times, n)
        result["connect"]["listen_overflows"] = listen_overflows() - overflows
        result["connect"]["failures"] = dict(workers.fails)
        result["connect"]["per_node"] = per_node(workers, k)
        print("connect:", json.dumps(result["connect"]), flush=True)
        await asyncio.sleep(5)
        cpu0, t0 = [server.cpu_seconds() for server in servers], time.monotonic()
        await asyncio.sleep(args.idle)
        elapsed = time.monotonic() - t0
        counts = per_node(workers, k)
        result["per_node"] = []
        for i, server in enumerate(servers):
            idle = (server.cpu_seconds() - cpu0[i]) / elapsed
            rss = server.rss_kib()
            result["per_node"].append({
                "node": server.node, "agents": counts[i], "rss_mib": rss / 1024,
                "rss_per_agent_kib": (rss - rss_before[i]) / max(1, counts[i]), "idle_cpu_pct": idle * 100,
                "idle_cpu_pct_per_1000": idle * 100 * 1000 / max(1, counts[i]),
            })
        try:
            result["describe"] = await describe_latency(client, agents[0]["id"])
        except Exception as exc:  # an overloaded server may not answer at all: that is a figure too
            result["describe"] = {"error": str(exc)}
        await client.close()
        print("idle:", json.dumps(result["per_node"]), "describe:", result["describe"], flush=True)
        gone = k - 1
        moving = {i for i in workers.connected if workers.node_of.get(i) == gone}
        workers.fails.clear()
        killed = time.time()
        servers[gone].kill()
        times = await wait_moved(workers, moving, gone, killed, args.timeout)
        result["moved"] = summary(times, len(moving))
        result["moved"]["killed_node"] = servers[gone].node
        result["moved"]["failures"] = dict(workers.fails)
        result["moved"]["per_node_after"] = per_node(workers, k)
        print("moved:", json.dumps(result["moved"]), flush=True)
        tracebacks = sum(s.log.read_text(errors="replace").count("Traceback") for s in servers)
        result["server_log"] = {"tracebacks": tracebacks}
    finally:
        await workers.stop()
        for server in servers:
            server.stop()
        if pg_name:
            await drop_pg(args.db, pg_name)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept", root)
    return result


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--db", help="a PostgreSQL URL to create a temporary database on (default: SQLite)")
    parser.add_argument("--idle", type=float, default=30.0, help="idle window for the CPU figure, seconds")
    parser.add_argument("--timeout", type=float, default=180.0, help="give up on a phase after this, seconds")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-taskset", action="store_true", help="do not pin the server to one CPU")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (server log)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--nodes", type=int, default=1, help="servers on one PostgreSQL database (needs --db)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker_main(args.worker))
        return
    if args.agents < 1 or args.workers < 1:
        parser.error("--agents and --workers must be at least 1")
    if args.nodes < 1 or (args.nodes > 1 and not args.db):
        parser.error("--nodes must be at least 1, and more than one node needs --db (one PostgreSQL database)")
    result = asyncio.run(main_nodes(args) if args.nodes > 1 else main(args))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    cli()
