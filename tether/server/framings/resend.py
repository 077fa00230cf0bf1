"""The 1.02 output buffer: what the browser client may ask for again with Sync.

Output frames are numbered 1, 2, 3... per session (across reconnects). The buffer keeps the payloads of the latest
frames, at most `limit` bytes (oldest dropped), and forgets those the client confirmed (it echoes its outputSeq in
everything it sends). A Sync from a position still buffered gets the frames after it; from a position no longer
buffered, one notice frame takes the next expected number and what follows is renumbered after it, so the client's
numbering stays gapless and it never loops on Sync.
"""

from __future__ import annotations

from collections import deque

DEFAULT_LIMIT = 1 << 20
MAX_DROPPED = 4096
NOTICE = "\r\n[tether: {n} bytes of output were lost]\r\n"


class ResendBuffer:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.latest = 0  # the number of the last frame handed out
        self._frames: deque[tuple[int, bytes]] = deque()
        self._size = 0
        # (seq, size) of frames dropped before the client confirmed them, for the notice's byte count (bounded: a
        # client gone that long gets the count of the latest MAX_DROPPED of them)
        self._dropped: deque[tuple[int, int]] = deque(maxlen=MAX_DROPPED)
        self.confirmed = 0  # the client's highest echoed outputSeq

    def __len__(self) -> int:
        return self._size

    def add(self, payload: bytes) -> int:
        """Number a new frame and keep it; returns its outputSeq."""
        self.latest += 1
        self._frames.append((self.latest, payload))
        self._size += len(payload)
        while self._size > self.limit and len(self._frames) > 1:
            seq, old = self._frames.popleft()
            self._size -= len(old)
            if seq > self.confirmed:
                self._dropped.append((seq, len(old)))
        return self.latest

    def confirm(self, position: int) -> None:
        """The client has every frame up to `position`: forget them."""
        if not self.confirmed < position <= self.latest:
            return
        self.confirmed = position
        while self._frames and self._frames[0][0] <= position:
            _, old = self._frames.popleft()
            self._size -= len(old)
        while self._dropped and self._dropped[0][0] <= position:
            self._dropped.popleft()

    def since(self, position: int) -> list[tuple[int, bytes]]:
        """The frames the client needs after `position` (renumbered behind a notice if some were dropped)."""
        if position >= self.latest:
            return []
        self.confirm(position)
        oldest = self._frames[0][0] if self._frames else self.latest + 1
        if oldest <= position + 1:
            return [(seq, data) for seq, data in self._frames if seq > position]
        lost = sum(size for seq, size in self._dropped if seq > position)
        notice = NOTICE.format(n=lost).encode()
        kept = [data for _, data in self._frames]
        self._frames.clear()
        self._size = 0
        self._dropped.clear()
        self.latest = position
        for data in [notice, *kept]:
            self.add(data)
        self.confirmed = position
        return list(self._frames)
