"""`tether proxy` as ssh runs it: a child process whose stdin/stdout are pipes, against the fake relay+agent."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from pathlib import Path

from support.ports import free_port

from .client_fakes import KEY_ID, KEY_SECRET
from .forward_fakes import ForwardFake, start_echo_server, start_summing_server

ROOT = Path(__file__).resolve().parents[2]


def proxy_argv(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tether", "proxy", "-i", "mi-1", "--port", str(port), *extra]


def proxy_env(fake: ForwardFake) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TETHER_SERVER=fake.url,
        TETHER_ACCESS_KEY_ID=KEY_ID,
        TETHER_ACCESS_KEY_SECRET=KEY_SECRET,
        TETHER_CA_CERT=str(fake.tls.ca_cert),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


async def test_20_mb_round_trip_through_pipes(ffake: ForwardFake) -> None:
    server, port = await start_echo_server()
    async with server:
        child = await asyncio.create_subprocess_exec(
            *proxy_argv(port),
            env=proxy_env(ffake),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        sent = hashlib.sha256()
        received = hashlib.sha256()
        total = 20 * 1024 * 1024
        started = time.monotonic()

        async def feed() -> None:
            assert child.stdin is not None
            block_size = 256 * 1024
            for _ in range(total // block_size):
                block = os.urandom(block_size)
                sent.update(block)
                child.stdin.write(block)
                await child.stdin.drain()
            child.stdin.close()  # EOF: the echo server then closes, which must end our stdout

        async def drain() -> int:
            assert child.stdout is not None
            count = 0
            while chunk := await child.stdout.read(1 << 20):
                received.update(chunk)
                count += len(chunk)
            return count

        _, count = await asyncio.wait_for(asyncio.gather(feed(), drain()), 60)
        status = await asyncio.wait_for(child.wait(), 10)
        stderr = await child.stderr.read()
        assert status == 0, stderr
        assert stderr == b""
        assert count == total
        assert received.hexdigest() == sent.hexdigest()
        elapsed = time.monotonic() - started
        assert elapsed < 30, f"20 MB took {elapsed:.1f} s"
        agent = ffake.agents[-1]
        assert agent.opens == [f"127.0.0.1:{port}"]
        assert ffake.forward_starts() == [{"InstanceId": "mi-1", "PortNumber": port}]


async def test_stdin_from_a_file_and_half_close(ffake: ForwardFake, tmp_path: Path) -> None:
    """A regular file cannot be polled (thread reader); the target answers only after our EOF."""
    source = tmp_path / "input"
    source.write_bytes(os.urandom(3_000_000))
    server, port = await start_summing_server()
    async with server:
        with source.open("rb") as stdin:
            child = await asyncio.create_subprocess_exec(
                *proxy_argv(port, "--host", "127.0.0.1"),
                env=proxy_env(ffake),
                stdin=stdin,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stdout, stderr = await asyncio.wait_for(child.communicate(), 30)
        assert child.returncode == 0, stderr
        assert stdout == b"got 3000000 bytes"
        assert ffake.forward_starts() == [{"InstanceId": "mi-1", "PortNumber": port, "TargetServer": "127.0.0.1"}]


async def test_refused_port_exits_255_with_one_line(ffake: ForwardFake) -> None:
    child = await asyncio.create_subprocess_exec(
        *proxy_argv(free_port()),
        env=proxy_env(ffake),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(child.communicate(), 30)
    assert child.returncode == 255
    assert stdout == b""
    lines = stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tether: cannot connect to 127.0.0.1:") and "connection refused" in lines[0]


async def test_relay_drop_exits_255(ffake: ForwardFake) -> None:
    server, port = await start_echo_server()
    async with server:
        child = await asyncio.create_subprocess_exec(
            *proxy_argv(port),
            env=proxy_env(ffake),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(b"ping")
        assert await asyncio.wait_for(child.stdout.readexactly(4), 10) == b"ping"
        ffake.drop_all()
        _, stderr = await asyncio.wait_for(child.communicate(), 10)
        assert child.returncode == 255
        lines = stderr.decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tether: connection to 127.0.0.1:"), lines
        assert "server is restarting" in lines[0]


async def test_offline_instance_exits_255(ffake: ForwardFake) -> None:
    ffake.offline = True
    child = await asyncio.create_subprocess_exec(
        *proxy_argv(22),
        env=proxy_env(ffake),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(child.communicate(), 30)
    assert child.returncode == 255 and stdout == b""
    lines = stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tether: InvalidInstance.Offline"), lines
