"""Slow clients (slowloris): connections trickling their headers are bounded in time and in number per address,
and never keep a normal request from being served."""

from __future__ import annotations

import asyncio
import ssl
import time

from support.wait import eventually

from tether.server import RunningServer

TRICKLER = "127.0.0.2"  # loopback has every 127/8 address: the tricklers come from their own source address


def _client_ssl(server: RunningServer) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(server.admin_credentials.ca_cert))
    return context


async def _trickle(server: RunningServer, stop: asyncio.Event) -> bool:
    """Open a connection from TRICKLER and send a header byte every 0.2 s; True if the server closed it."""
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", server.port, ssl=_client_ssl(server), local_addr=(TRICKLER, 0), server_hostname="127.0.0.1"
        )
    except (ConnectionError, ssl.SSLError, OSError):
        return True  # refused at once (past the per-address cap) or during the handshake
    try:
        writer.write(b"POST /api/v1/DescribeInstances HTTP/1.1\r\nHost: x\r\n")
        for byte in b"X-Slow: " + b"a" * 200:
            if stop.is_set():
                return False
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 0.2) == b"":
                    return True
            except TimeoutError:
                continue
        return False
    except (ConnectionError, ssl.SSLError, OSError):
        return True
    finally:
        writer.close()


async def test_tricklers_are_capped_and_closed_and_others_are_served(make_server, api_for) -> None:
    server = await make_server(header_timeout=1.5, max_pending_per_address=10)
    api = api_for(server)
    stop = asyncio.Event()
    tricklers = [asyncio.create_task(_trickle(server, stop)) for _ in range(30)]
    await eventually(lambda: server.guard.refused >= 20, what="connections past the per-address cap to be refused")
    assert server.guard.pending <= 10 + 1
    started = time.monotonic()
    assert (await api.call("DescribeInstances")).status == 200  # another address is served at once
    assert time.monotonic() - started < 1.0
    results = await asyncio.wait_for(asyncio.gather(*tricklers), 10)
    assert all(results), results  # every trickler was closed: refused, or cut off after the header timeout
    assert server.guard.timed_out >= 10
    assert server.guard.pending == 0
    stop.set()


async def test_slow_body_is_a_coded_408(make_server) -> None:
    server = await make_server(body_timeout=0.5)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", server.port, ssl=_client_ssl(server), server_hostname="127.0.0.1"
    )
    writer.write(b"POST /console/v1/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{\"UserName\"")
    await writer.drain()
    head = await asyncio.wait_for(reader.read(4096), 5)
    writer.close()
    assert head.startswith(b"HTTP/1.1 408") and b"RequestTimeout" in head, head


async def test_kept_alive_connection_gets_a_new_header_deadline(make_server) -> None:
    server = await make_server(header_timeout=1.0)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", server.port, ssl=_client_ssl(server), server_hostname="127.0.0.1"
    )
    writer.write(b"GET /console/v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert first.startswith(b"HTTP/1.1 ")
    await asyncio.sleep(1.5)  # idle between requests is not limited by the header timeout
    writer.write(b"GET /console/v1/whoami HTTP/1.1\r\nHost: x\r\n")  # ...but an unfinished next request is
    await writer.drain()
    started = time.monotonic()
    rest = b""
    while chunk := await asyncio.wait_for(reader.read(65536), 5):
        rest += chunk
    assert time.monotonic() - started < 3.0
    writer.close()


async def test_a_trusted_proxy_has_only_the_overall_cap(make_server) -> None:
    server = await make_server(
        header_timeout=1.0, max_pending_per_address=2, max_pending_connections=5, trusted_proxies=[TRICKLER]
    )
    stop = asyncio.Event()
    tricklers = [asyncio.create_task(_trickle(server, stop)) for _ in range(8)]
    await eventually(lambda: server.guard.pending + server.guard.refused >= 8, what="every trickler to be counted")
    assert server.guard.refused == 3 and server.guard.pending == 5  # 5 from one proxy: past 2, up to the total
    assert all(await asyncio.wait_for(asyncio.gather(*tricklers), 10))
    stop.set()
