"""Port-forward benchmark: `tether portforward` / `tether proxy` beside `ssh -L` / plain scp, in one run, as ratios.

    python bench/forward_bench.py [--bytes 1G] [--streams 8] [--opens 300] [--scp-bytes 200M]

Starts its own tether server and agent and a throwaway sshd on loopback, plus a small TCP server on the agent's
side that streams zeros (bulk) or echoes (connection opens). Measures:
- bulk throughput of one TCP stream through the forward, each way: download (machine -> client, counted by the
  reading client) and upload (client -> machine, until the far end confirms every byte);
- aggregate throughput of N parallel streams;
- time to open a new TCP connection through an established forward and get one byte echoed (p50/p99);
- scp of a random file through `tether proxy` (ProxyCommand) vs plain scp to the same sshd.
Machines here are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _support  # noqa: F401  (registers tests/support as `support`, imported below)
from support.ports import free_port, wait_listening
from support.sshd import Sshd, sshd_binary
from support.stack import Stack, read_json_document

CHUNK = 1 << 20


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


class _Source(socketserver.BaseRequestHandler):
    """Reads a decimal byte count line, then sends that many zero bytes; or echoes when the count is 0."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        buffered = b""
        while b"\n" not in buffered:
            got = sock.recv(64)
            if not got:
                return
            buffered += got
        line, rest = buffered.split(b"\n", 1)
        count = int(line)
        if count < 0:  # an upload: read -count bytes, then say how many arrived
            got = len(rest)
            while got < -count and (data := sock.recv(CHUNK)):
                got += len(data)
            sock.sendall(f"{got}\n".encode())
            return
        if count == 0:
            if rest:
                sock.sendall(rest)
            while data := sock.recv(65536):
                sock.sendall(data)
            return
        block = bytes(CHUNK)
        while count > 0:
            n = min(count, CHUNK)
            sock.sendall(block[:n])
            count -= n
        sock.shutdown(socket.SHUT_WR)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def pull(port: int, nbytes: int) -> float:
    """Seconds to receive `nbytes` through 127.0.0.1:port."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sock.sendall(f"{nbytes}\n".encode())
        got = 0
        while got < nbytes:
            data = sock.recv(CHUNK)
            if not data:
                raise RuntimeError(f"stream ended after {got} of {nbytes} bytes")
            got += len(data)
        return time.perf_counter() - start


def push(port: int, nbytes: int) -> float:
    """Seconds to send `nbytes` through 127.0.0.1:port until the far end confirms it received them all."""
    block = bytes(CHUNK)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sock.sendall(f"{-nbytes}\n".encode())
        left = nbytes
        while left > 0:
            n = min(left, CHUNK)
            sock.sendall(block[:n])
            left -= n
        answer = sock.recv(64)
        elapsed = time.perf_counter() - start
    if int(answer.strip() or b"0") != nbytes:
        raise RuntimeError(f"the far end received {answer!r} of {nbytes} bytes")
    return elapsed


def parallel(port: int, nbytes: int, streams: int) -> float:
    """Aggregate bytes/s of `streams` concurrent pulls of `nbytes` each."""
    errors: list[BaseException] = []

    def one() -> None:
        try:
            pull(port, nbytes)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(streams)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return streams * nbytes / (time.perf_counter() - start)


def opens(port: int, count: int) -> list[float]:
    """Seconds from connect() to one byte echoed back, for `count` new connections."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"0\nx")
            if sock.recv(1) != b"x":
                raise RuntimeError("echo failed")
            samples.append(time.perf_counter() - start)
    return samples


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@contextlib.contextmanager
def tether_forward(stack: Stack, instance: str, remote_port: int):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tether", "portforward", "-i", instance, "--remote-port", str(remote_port),
         "--local-port", "0", "--json"],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=stack.env(), text=True,
    )
    try:
        assert proc.stdout is not None
        info = read_json_document(proc.stdout)
        yield int(info["LocalPort"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def ssh_forward(sshd: Sshd, remote_port: int):  # type: ignore[no-untyped-def]
    local = free_port()
    proc = subprocess.Popen(
        ["ssh", "-N", "-L", f"{local}:127.0.0.1:{remote_port}", "-i", str(sshd.user_key), "-p", str(sshd.port),
         *sshd.ssh_options(), f"{sshd.user}@127.0.0.1"],
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_listening(local, "ssh -L", process=proc, timeout=15)
        yield local
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def scp_seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def row(label: str, ours: float, theirs: float | None, better: str) -> str:
    ratio = f"{ours / theirs:6.2f}x" if theirs else "   n/a"
    theirs_text = f"{theirs:12.2f}" if theirs is not None else f"{'-':>12}"
    return f"{label:<40}{ours:12.2f}{theirs_text}  {ratio}  ({better})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bytes", default="1G")
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--opens", type=int, default=300)
    parser.add_argument("--scp-bytes", default="200M")
    args = parser.parse_args()
    nbytes, scp_bytes = parse_size(args.bytes), parse_size(args.scp_bytes)

    root = Path(tempfile.mkdtemp(prefix="tether-fwd-bench-"))
    source = _Server(("127.0.0.1", 0), _Source)
    threading.Thread(target=source.serve_forever, daemon=True).start()
    source_port = source.server_address[1]
    stack = Stack(root)
    sshd: Sshd | None = None
    results: dict[str, tuple[float, float | None, str]] = {}
    try:
        stack.start_server()
        instance = stack.add_agent()
        if sshd_binary() is None:
            print("ssh columns skipped: sshd is not installed (apt-get install openssh-server)")
        else:
            sshd = Sshd(root / "ssh")

        with tether_forward(stack, instance, source_port) as port:
            pull(port, 1 << 20)  # warm up: the first stream opens the session's data channel
            ours_bulk = nbytes / pull(port, nbytes)
            ours_up = nbytes / push(port, nbytes)
            ours_par = parallel(port, nbytes // args.streams, args.streams)
            ours_open = opens(port, args.opens)
        theirs_bulk = theirs_up = theirs_par = None
        theirs_open: list[float] | None = None
        if sshd:
            with ssh_forward(sshd, source_port) as port:
                pull(port, 1 << 20)
                theirs_bulk = nbytes / pull(port, nbytes)
                theirs_up = nbytes / push(port, nbytes)
                theirs_par = parallel(port, nbytes // args.streams, args.streams)
                theirs_open = opens(port, args.opens)
        results["1 stream download (MB/s)"] = (
            ours_bulk / 1e6, theirs_bulk / 1e6 if theirs_bulk else None, "higher is better")
        results["1 stream upload (MB/s)"] = (ours_up / 1e6, theirs_up / 1e6 if theirs_up else None, "higher is better")
        results[f"{args.streams} streams aggregate (MB/s)"] = (
            ours_par / 1e6, theirs_par / 1e6 if theirs_par else None, "higher is better")
        results["new connection p50 (ms)"] = (
            pct(ours_open, 50) * 1e3, pct(theirs_open, 50) * 1e3 if theirs_open else None, "lower is better")
        results["new connection p99 (ms)"] = (
            pct(ours_open, 99) * 1e3, pct(theirs_open, 99) * 1e3 if theirs_open else None, "lower is better")

        if sshd:
            payload = root / "payload.bin"
            with open(payload, "wb") as f:
                for _ in range(scp_bytes // CHUNK):
                    f.write(os.urandom(CHUNK))
            common = ["-q", "-i", str(sshd.user_key), *sshd.ssh_options()]
            proxy = f"{sys.executable} -m tether proxy -i {instance} --port {sshd.port}"
            os.environ.update({k: v for k, v in stack.env().items() if k.startswith("TETHER")})
            ours_scp = scp_seconds(["scp", *common, "-o", f"ProxyCommand={proxy}", str(payload),
                                    f"{sshd.user}@{instance}:{root}/via-tether.bin"])
            theirs_scp = scp_seconds(["scp", *common, "-P", str(sshd.port), str(payload),
                                      f"{sshd.user}@127.0.0.1:{root}/direct.bin"])
            if (root / "via-tether.bin").read_bytes() != payload.read_bytes():
                raise RuntimeError("scp through tether proxy corrupted the file")
            results[f"scp {scp_bytes >> 20} MiB (MB/s)"] = (
                scp_bytes / ours_scp / 1e6, scp_bytes / theirs_scp / 1e6, "higher is better")

        print(f"\ntether forward benchmark: {nbytes >> 20} MiB bulk, {args.streams} streams, {args.opens} opens; "
              f"{os.cpu_count()} CPUs")
        print(f"{'':<40}{'tether':>12}{'ssh':>12}  {'ratio':>7}")
        for label, (a, b, better) in results.items():
            print(row(label, a, b, better))
    finally:
        if sshd:
            sshd.close()
        stack.close()
        source.shutdown()


if __name__ == "__main__":
    main()
