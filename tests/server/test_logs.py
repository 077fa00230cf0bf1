"""What the server logs from a request cannot forge a log line or carry a terminal escape."""

from __future__ import annotations

import io
import logging

from tether.server.logs import PrintableMessages, printable


async def test_access_log_escapes_control_characters(api, caplog) -> None:
    caplog.set_level(logging.INFO, logger="tether.access")
    forged = "/x%0a2026-01-01 00:00:00 INFO tether.access: 10.0.0.1 \"POST /api/v1/CreateUser\" 200%0d%1b[31m%c2%85"
    async with api.http.get(api.server.url + forged, ssl=api.ssl) as resp:
        assert resp.status == 404 and (await resp.json())["Code"] == "NotFound"
    lines = [r.getMessage() for r in caplog.records if r.name == "tether.access" and "/x" in r.getMessage()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\x85" not in line
    assert "/x\\n2026-01-01" in line and "\\x1b[31m" in line


async def test_unknown_path_and_wrong_method_are_coded(api) -> None:
    async with api.http.get(api.server.url + "/api/v1/DescribeInstances", ssl=api.ssl) as resp:
        assert resp.status == 405 and (await resp.json())["Code"] == "MethodNotAllowed"
        assert resp.headers["Allow"] == "POST"
    async with api.http.post(api.server.url + "/nothing/here", ssl=api.ssl) as resp:
        assert resp.status == 404 and (await resp.json())["Code"] == "NotFound"


def test_printable_and_the_handler_filter() -> None:
    assert printable("a\nb\r\t\x00\x7f\x9b\u2028ok") == "a\\nb\\r\\t\\x00\\x7f\\x9b\\u2028ok"
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(PrintableMessages())
    logger = logging.getLogger("tether.test.printable")
    logger.addHandler(handler)
    try:
        logger.warning("user %s said %r", "eve\nFAKE LINE", "\x1b]0;title\x07")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().count("\n") == 1 and "\x1b" not in out.getvalue()
