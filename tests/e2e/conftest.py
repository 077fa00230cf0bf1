"""Fixtures for the end-to-end suite: one shared stack for most tests, fresh ones where a test breaks things."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.stack import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("stack"))
    s.start_server()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def instance(stack: Stack) -> str:
    return stack.add_agent()


@pytest.fixture
def fresh_stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path)
    s.start_server()
    try:
        yield s
    finally:
        s.close()
