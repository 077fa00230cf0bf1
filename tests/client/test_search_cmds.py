"""Formatting helpers of `tether sessions list` and `tether recordings search`."""

from __future__ import annotations

import pytest

from tether.cli.common import principal_name
from tether.cli.recording_cmds import offset
from tether.cli.session_cmds import _duration, _recording_state


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "00:00:00.0"),
        (83.45, "00:01:23.4"),
        (59.99, "00:00:59.9"),
        (3600 * 25 + 61.5, "25:01:01.5"),
        (-1, "00:00:00.0"),
    ],
)
def test_offset(seconds: float, text: str) -> None:
    assert offset(seconds) == text


def test_principal_names() -> None:
    assert principal_name("acs:ram::123:user/alice") == "alice"
    assert principal_name("acs:ram::123:root") == "root"
    assert principal_name("acs:ram::123:assumed-role/ops/night") == "ops/night"
    assert principal_name("something-else") == "something-else"
    assert principal_name(None) is None


def test_duration_and_recording_columns() -> None:
    assert _duration(3725.9) == "1:02:05" and _duration(None) is None
    assert _recording_state({"Recording": None}) == "no"
    assert _recording_state({"Recording": {"Sealed": True, "DeliveredTo": None}}) == "yes"
    assert _recording_state({"Recording": {"DeliveredTo": "s3://b/k"}}) == "delivered"
