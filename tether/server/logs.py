"""Logging for the server: a plain stderr format and an access log that cannot leak tokens.

Client tokens travel in the data-channel URL's query string (browsers cannot set headers), so the access log
records the path only, never the query, and no headers.
"""

from __future__ import annotations

import logging
import sys

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

access_log = logging.getLogger("tether.access")


class AccessLogger(AbstractAccessLogger):
    """`remote "METHOD /path" status duration` and nothing else."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.1fms', request.remote, request.method, request.path, response.status, time * 1000
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger for the `tether server` command (tests leave logging to pytest)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
