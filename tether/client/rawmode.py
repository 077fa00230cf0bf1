"""Raw mode for the local terminal, restored on every way out.

A shell session needs the local terminal in raw mode (no line editing, no echo, Ctrl-C as a byte). Leaving a
terminal raw after the CLI ends makes the user's shell unusable, so restoration is idempotent and wired to the
normal path, exceptions (context manager), signals (the session calls `restore()` from its handlers) and `atexit`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import termios
import tty
from types import TracebackType
from typing import Any

__all__ = ["RawMode", "is_tty"]


def is_tty(fd: int) -> bool:
    """True when `fd` is an open terminal."""
    try:
        return os.isatty(fd)
    except OSError:
        return False


class RawMode:
    """Put `fd` in raw mode on `enter()`; put the saved settings back on `restore()` (safe to call many times)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved: list[Any] | None = None

    @property
    def active(self) -> bool:
        """True between `enter()` and `restore()`."""
        return self._saved is not None

    def enter(self) -> None:
        """Save the current settings, register the `atexit` safety net, switch to raw mode."""
        if self._saved is not None:
            return
        self._saved = termios.tcgetattr(self.fd)
        atexit.register(self.restore)
        # TCSADRAIN like ssh: output already written still appears, typed-ahead input is kept for the session.
        tty.setraw(self.fd, termios.TCSADRAIN)

    def restore(self) -> None:
        """Put the saved settings back. Never raises: the terminal may already be gone (hang-up)."""
        saved, self._saved = self._saved, None
        if saved is None:
            return
        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(self.fd, termios.TCSADRAIN, saved)
        with contextlib.suppress(Exception):
            atexit.unregister(self.restore)

    def __enter__(self) -> RawMode:
        self.enter()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.restore()
