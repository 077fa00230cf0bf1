"""The `bench` extra covers what the benchmarks import: every third-party module that bench/*.py, and the parts of
tests/support they use, import comes from a distribution tether itself or its `bench` extra requires."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(top-level absolute imports, support modules) of one file."""
    modules: set[str] = set()
    support: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level and node.module:  # `from .ports import ...` inside tests/support
                support.add(node.module.split(".")[0])
            elif node.module and node.module.startswith("support."):
                support.add(node.module.split(".")[1])
            elif node.module:
                modules.add(node.module.split(".")[0])
    return modules, support


def _bench_modules() -> set[str]:
    modules: set[str] = set()
    todo = [*sorted((ROOT / "bench").glob("*.py"))]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        found, support = _imports(path)
        modules |= found
        todo += [SUPPORT / f"{name}.py" for name in support if (SUPPORT / f"{name}.py").exists()]
    local = {p.stem for p in (ROOT / "bench").glob("*.py")} | {"support", "tether"}
    return {m for m in modules if m not in sys.stdlib_module_names and m not in local}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_bench_extra_covers_the_benchmarks_imports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    allowed = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["bench"]}
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module in _bench_modules():
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        if not dists & allowed:
            missing[module] = sorted(dists) or ["(not installed)"]
    assert not missing, f"bench/ imports these outside tether's dependencies and the bench extra: {missing}"
