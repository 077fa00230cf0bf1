"""Reconnect schedule: full jitter under a doubling, capped ceiling; reset after a long-lived connection."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from tether.agent.backoff import Backoff


def test_ceiling_doubles_from_one_to_sixty() -> None:
    b = Backoff(rng=lambda: 1.0)
    delays = [b.next_delay() for _ in range(10)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]


@given(
    base=st.floats(0.01, 5),
    factor=st.floats(1, 100),
    n=st.integers(1, 200),
    seed=st.integers(0, 2**32),
)
def test_delays_are_within_the_capped_ceiling(base: float, factor: float, n: int, seed: int) -> None:
    cap = base * factor
    rng = random.Random(seed)
    b = Backoff(base, cap, rng=rng.random)
    for attempt in range(n):
        d = b.next_delay()
        assert 0 <= d <= min(cap, base * 2**attempt) + 1e-9


def test_jitter_spreads_delays() -> None:
    b = Backoff(1, 60, rng=random.Random(1).random)
    for _ in range(8):
        b.next_delay()
    samples = []
    for _ in range(200):
        b._attempt = 8
        samples.append(b.next_delay())
    assert min(samples) < 10 and max(samples) > 50


def test_reset_only_after_a_long_connection() -> None:
    b = Backoff(1, 60, reset_after=60, rng=lambda: 1.0)
    for _ in range(5):
        b.next_delay()
    b.connected_for(10)
    assert b.next_delay() == 32
    b.connected_for(60)
    assert b.attempt == 0
    assert b.next_delay() == 1
