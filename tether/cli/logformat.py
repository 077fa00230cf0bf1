"""`--log-format json` of `tether server` and `tether agent run`: one JSON object per line, for log shippers.

Each line has `time` (ISO 8601, UTC, milliseconds), `level`, `logger` and `message`, plus `session_id` and
`instance_id` when the record carries them (`extra={"session_id": ...}`) or the message names them (tether's ids
have a fixed shape: `s-` and `mi-` followed by 17 hex digits), and `exception` with the traceback when there is one.
Every control character and every non-ASCII character is escaped, so text from a request cannot forge a line here
either.

It lives in the CLI because both the server and the agent use it and neither may import the other; the commands
install their usual handler and `use_json` swaps its formatter.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import click

FORMATS = ("text", "json")

log_format_option = click.option(
    "--log-format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="json: one JSON object per line (time, level, logger, message, session_id, instance_id).",
)

_IDS = {
    "session_id": re.compile(r"(?<![\w-])s-[0-9a-f]{17}(?![\w-])"),
    "instance_id": re.compile(r"(?<![\w-])mi-[0-9a-f]{17}(?![\w-])"),
}


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for key, pattern in _IDS.items():
            value = getattr(record, key, None)
            if value is None:
                found = pattern.search(message)
                value = found.group() if found else None
            if value is not None:
                entry[key] = str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)  # ASCII: U+2028 and C1 controls escaped too


def use_json() -> None:
    """Give every handler of the root logger the JSON formatter (call after the command set up its logging)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
