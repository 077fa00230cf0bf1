"""The tests' shared support (tests/support) for the benchmarks, which run as plain scripts, without pytest.

Importing this module registers tests/support as the package `support`, the name the tests import it by (pytest's
`pythonpath = ["tests"]` does that for them); sys.path is left alone, so nothing else under tests/ becomes
importable. `import _support` before `from support... import ...`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent.parent / "tests" / "support"


def _register() -> None:
    if "support" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "support", SUPPORT / "__init__.py", submodule_search_locations=[str(SUPPORT)]
    )
    assert spec is not None and spec.loader is not None, SUPPORT
    module = importlib.util.module_from_spec(spec)
    sys.modules["support"] = module
    spec.loader.exec_module(module)


_register()
