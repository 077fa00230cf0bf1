"""The package's import graph: no cycles (lazy and type-only imports included), and no layer importing upwards.

The same checks as `python tools/importgraph.py`, so that a loop or a breach fails the suite, not just a review.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parents[1] / "tools" / "importgraph.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("importgraph", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["importgraph"] = module
    spec.loader.exec_module(module)
    return module


def test_no_import_cycles() -> None:
    tool = _tool()
    assert tool.cycles(tool.graph()) == []


def test_no_layer_breaches() -> None:
    tool = _tool()
    edges = tool.graph()
    assert tool.breaches(edges) == []
    assert tool.reach_ups(edges) == []


def test_the_checker_sees_lazy_and_type_only_imports(tmp_path: Path) -> None:
    """A cycle hidden in a function body or under TYPE_CHECKING still counts (the reason the tool exists)."""
    tool = _tool()
    package = tmp_path / "tether"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from tether import b\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tether.a import f\n")
    original = tool.ROOT
    tool.ROOT = tmp_path
    try:
        assert tool.cycles(tool.graph()) == [["tether.a", "tether.b"]]
    finally:
        tool.ROOT = original
