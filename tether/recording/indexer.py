"""Indexing sealed recordings for search, in the background, one at a time.

The sealed-recording listener only queues the session id, so sealing (and the relay that calls it) never waits for
indexing. A single task takes ids off a bounded queue, reads the file in a worker thread a batch of lines at a time
(`tether.recording.text`, itself bounded) and stores the lines; at most one recording is being read at once and
memory holds one batch. `recordings.indexed_at` is set when a recording is done, also when it had no text or its
file is gone, so nothing is read twice; a recording sealed while the indexer was not listening (a crash between
sealing and queueing, a full queue, an indexing error) still has `indexed_at` NULL and is picked up at the next
catch-up: at start, whenever the queue overflowed, and every CATCH_UP_INTERVAL while idle (which retries a recording
whose indexing failed, e.g. on a database blip, without waiting for a restart). Lines of an interrupted attempt are
cleared before a recording is indexed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from tether.recording.recorder import Recordings
from tether.recording.text import TextLine, extract_lines
from tether.store.search import SearchRepo

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000  # ids waiting; beyond this the id is dropped and found again by the catch-up
BATCH_LINES = 1000  # lines read from the file and stored per step
CATCH_UP_BATCH = 100
CATCH_UP_INTERVAL = 600.0  # seconds idle between catch-ups (retries of failed recordings)
RETRY_DELAY = 30.0  # seconds before a catch-up that failed (database unreachable) is tried again


def _next_batch(lines: Iterator[TextLine]) -> list[TextLine]:
    return list(itertools.islice(lines, BATCH_LINES))


class SearchIndexer:
    """Owns the background task; `notify` is the sealed-recording listener."""

    def __init__(self, repo: SearchRepo, recordings: Recordings, node: str, queue_size: int = QUEUE_SIZE) -> None:
        self.repo = repo
        self._recordings = recordings
        self._node = node
        self._queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self._overflowed = False
        self._task: asyncio.Task[None] | None = None

    async def notify(self, session_id: str) -> None:
        """Queue a sealed recording; never waits."""
        try:
            self._queue.put_nowait(session_id)
        except asyncio.QueueFull:
            self._overflowed = True  # the row keeps indexed_at NULL: the next catch-up finds it

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="recording-indexer")

    async def stop(self) -> None:
        """Stop at once; a recording cut off half-way is cleared and indexed again at the next start."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await self._catch_up()
        while True:
            if self._queue.empty() and self._overflowed:
                self._overflowed = False
                await self._catch_up()
                continue
            try:
                session_id = await asyncio.wait_for(self._queue.get(), CATCH_UP_INTERVAL)
            except TimeoutError:
                await self._catch_up()
                continue
            await self._index_logged(session_id)

    async def _catch_up(self) -> None:
        """Index every sealed recording of this node that is not indexed yet."""
        failed: set[str] = set()
        while True:
            try:
                pending = [
                    i for i in await self.repo.unindexed(self._node, CATCH_UP_BATCH + len(failed)) if i not in failed
                ]
            except Exception:
                log.exception("could not list the recordings to index; trying again in %.0f s", RETRY_DELAY)
                await asyncio.sleep(RETRY_DELAY)
                self._overflowed = True  # the run loop comes back here once the queue is empty
                return
            if not pending:
                return
            for session_id in pending:
                if not await self._index_logged(session_id):
                    failed.add(session_id)  # left for the next catch-up rather than retried in a loop

    async def _index_logged(self, session_id: str) -> bool:
        try:
            await self.index(session_id)
            return True
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("recording %s: indexing for search failed; the next catch-up retries it", session_id)
            return False

    async def index(self, session_id: str) -> None:
        """Index one sealed recording (again, if an earlier attempt was cut off)."""
        row = await self._recordings.repo.get(session_id)
        if row is None or not row.sealed or row.indexed_at is not None:
            return
        path = self._recordings.file_path(row.path)
        await self.repo.clear(session_id)
        lines = extract_lines(path)
        seq = 0
        try:
            while True:
                # only reading the file counts as "unreadable, index what there is": a failure to store the lines
                # (database) propagates, leaves indexed_at NULL and is retried by the next catch-up
                try:
                    batch = await asyncio.to_thread(_next_batch, lines)
                except FileNotFoundError:
                    log.info("recording %s: the file is gone; nothing to index", session_id)
                    break
                except OSError as exc:
                    log.warning("recording %s: could not read %s for indexing: %s", session_id, path, exc)
                    break
                if not batch:
                    break
                seq = await self.repo.add(session_id, seq, [(line.t, line.text) for line in batch])
        finally:
            # after a cancellation the worker thread may still be inside the generator: then it is left to finish
            with contextlib.suppress(ValueError):
                await asyncio.to_thread(lines.close)
        await self.repo.mark_indexed(session_id, datetime.now(UTC))
        log.debug("recording %s: indexed %d lines", session_id, seq)
