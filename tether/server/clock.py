"""Time as the server reads and shows it: aware UTC datetimes, and the API's ISO 8601 form.

One module, so every part (the API, the relay, background jobs) reads the same clock and prints times one way.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """API time format: ISO 8601 UTC with seconds and a Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
