"""/healthz and /readyz on a real server: unsigned, through the connection guard, and /readyz follows the database.

The database outage is real: the server's PostgreSQL connections go through a TCP relay the test can stall, so the
readiness check meets a database that stops answering, and then one that answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url
from support.pgtemp import temporary_database
from support.tcp import serve_tcp
from support.wait import eventually

from tether.server import health


async def _get(api, path: str) -> tuple[int, dict, str]:
    async with api.http.get(api.server.url + path, ssl=api.ssl) as resp:
        return resp.status, await resp.json(), resp.headers.get("Cache-Control", "")


async def test_healthz_is_ok_without_a_signature(api) -> None:
    status, body, cache = await _get(api, "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert cache == "no-store"


async def test_readyz_is_ok_while_the_database_answers(api) -> None:
    assert (await _get(api, "/readyz"))[:2] == (200, {"status": "ok"})


async def test_health_paths_pass_the_connection_guard(make_server, api_for) -> None:
    """With the guard's caps at their smallest, probes still get through one after another (each releases its
    place once its headers are in), and no probe is counted as refused or timed out."""
    server = await make_server(max_pending_per_address=1, max_pending_connections=1)
    api = api_for(server)
    for _ in range(5):
        assert (await _get(api, "/healthz"))[0] == 200
        assert (await _get(api, "/readyz"))[0] == 200
    assert (server.guard.refused, server.guard.timed_out) == (0, 0)
    assert server.guard.pending == 0


async def test_other_methods_are_refused_with_a_coded_error(api) -> None:
    async with api.http.post(api.server.url + "/healthz", ssl=api.ssl) as resp:
        assert resp.status == 405


class StallableRelay:
    """Forwards TCP to PostgreSQL; while stalled, bytes stop moving both ways (the database "hangs")."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            up_writer.close()
            with contextlib.suppress(Exception):
                await up_writer.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            await self.flowing.wait()
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with temporary_database("tether_health") as url:
        yield url


@pytest.mark.postgres
async def test_readyz_is_503_with_the_reason_while_the_database_hangs(pg_url, make_server, api_for, monkeypatch):
    monkeypatch.setattr(health, "READY_TIMEOUT", 0.5)
    url = make_url(pg_url)
    relay = StallableRelay(url.host or "127.0.0.1", url.port or 5432)
    async with await serve_tcp(relay.handle) as tcp:
        server = await make_server(db_url=url.set(host="127.0.0.1", port=tcp.port).render_as_string(False))
        api = api_for(server)
        assert (await _get(api, "/readyz"))[:2] == (200, {"status": "ok"})

        relay.flowing.clear()
        probes = await asyncio.gather(*(_get(api, "/readyz") for _ in range(5)))
        for status, body, _ in probes:
            assert status == 503
            assert body == {"status": "unavailable", "reason": "the database did not answer within 0.5 s"}
        assert (await _get(api, "/healthz"))[:2] == (200, {"status": "ok"})  # liveness does not follow the database

        relay.flowing.set()

        async def ready() -> bool:
            return (await _get(api, "/readyz"))[0] == 200

        await eventually(ready, what="/readyz to recover once the database answers again", timeout=15)
        await server.stop()
