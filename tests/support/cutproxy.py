"""A TCP proxy on loopback that tests control: it forwards to a target port and can cut connections on demand.

A cut closes both TCP connections of a proxied pair at once (no WebSocket close frame, exactly like a network that
went away), which is what resume has to survive. Each accepted connection is tagged with the pid of the local
process that opened it (found through /proc: the socket inode of the peer's port, then the process holding it),
so a test can cut the CLI's data channel and leave the agent's alone, or the other way round, although both dial
the same server URL. The proxy runs its own event loop in a thread, so synchronous (pexpect) tests can drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from dataclasses import dataclass, field

from .ports import LOOPBACK


def _owner_of(port: int) -> int | None:
    """The pid of the local process whose TCP socket has local port `port` (loopback, IPv4)."""
    inode = None
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            fields = line.split()
            local = fields[1]
            # a closed socket that used the same port (TIME_WAIT: inode 0, owned by nobody) can come first: only a
            # socket a process still holds counts, or the connection is attributed to no one and never cut
            if int(local.split(":")[1], 16) == port and fields[9] != "0":
                inode = fields[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return int(pid)
    return None


@dataclass
class _Pair:
    owner: int | None
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


class CutProxy:
    """`CutProxy(target_port)` listens on `.port`; `cut(pid)` breaks the connections `pid` opened (all if None)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._pairs: list[_Pair] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cut-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._accept, LOOPBACK, 0))
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.run_until_complete(self._loop.shutdown_default_executor())
        self._loop.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_port = writer.get_extra_info("peername")[1]
        pair = _Pair(await asyncio.to_thread(_owner_of, int(peer_port)))
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.target_port)
        except OSError:
            writer.close()
            return
        pair.writers = [writer, up_writer]
        with self._lock:
            self._pairs.append(pair)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)
        finally:
            for w in pair.writers:
                w.transport.abort()
            with self._lock:
                if pair in self._pairs:
                    self._pairs.remove(pair)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()

    def owners(self) -> list[int | None]:
        with self._lock:
            return [pair.owner for pair in self._pairs]

    def cut(self, pid: int | None = None) -> int:
        """Break (abort: RST, no FIN handshake) every live connection opened by `pid` (all if None); how many."""
        with self._lock:
            chosen = [pair for pair in self._pairs if pid is None or pair.owner == pid]

        def abort() -> None:
            for pair in chosen:
                for writer in pair.writers:
                    writer.transport.abort()

        self._loop.call_soon_threadsafe(abort)
        return len(chosen)

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
