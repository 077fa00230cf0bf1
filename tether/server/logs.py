"""Logging for the server: a plain stderr format, and an access log that cannot leak tokens or forge lines.

Client tokens travel in the data-channel URL's query string (browsers cannot set headers), so the access log
records the path only, never the query, and no headers.

Text that comes from a request (a path, a method, a header, an agent's version string, an id taken from the URL)
can hold a newline (`%0a` decodes to one) or a terminal escape; written as is it forges log lines or rewrites
an operator's terminal. `printable()` escapes every control character, and the handler `setup_logging` installs
applies it to every formatted message as well, so a log call that was missed still cannot break a line.
"""

from __future__ import annotations

import logging
import re
import sys

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from tether.server.state import STATE_KEY

access_log = logging.getLogger("tether.access")

# C0, DEL, C1, and the Unicode line and paragraph separators (some log viewers break lines there)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(value: object) -> str:
    """`str(value)` with control characters written as `\\n`, `\\x1b`, `\\u2028`...: one line, no escapes."""
    return _CONTROL.sub(_escape, str(value))


class PrintableMessages(logging.Filter):
    """Escapes control characters in the formatted message of every record (tracebacks keep their lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _CONTROL.search(message):
            record.msg, record.args = printable(message), None
        return True


class AccessLogger(AbstractAccessLogger):
    """`client "METHOD /path" status duration` and nothing else, every part printable; the client is the address a
    trusted proxy forwarded for, then followed by `via` the proxy's."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        peer = request.remote or "-"
        client = peer
        if isinstance(request, web.Request):
            try:
                app = request.app  # a request cut off before routing has none
            except (AssertionError, AttributeError):
                app = None
            if app is not None and STATE_KEY in app:
                client = app[STATE_KEY].client_ip(request) or peer
        self.logger.info(
            '%s "%s %s" %s %.1fms',
            printable(client if client == peer else f"{client} via {peer}"),
            printable(request.method),
            printable(request.path),
            response.status,
            time * 1000,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger for the `tether server` command (tests leave logging to pytest)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrintableMessages())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
