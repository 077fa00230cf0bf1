"""The import graph of the `tether` package, and the cycles and layer breaches in it.

Every import counts, including those under `if TYPE_CHECKING:` and those inside functions: a lazy import is a
loop that was hidden, not removed. Run `python tools/importgraph.py` (exit status 1 if anything is wrong);
tests/test_layering.py runs the same checks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "tether"

# which top-level parts of tether may import which (docs/architecture.md); protocol imports nothing of ours
LAYERS: dict[str, set[str]] = {
    "protocol": set(),
    "auth": {"protocol"},
    "store": {"protocol"},
    "recording": {"protocol", "store", "auth"},
    "server": {"protocol", "auth", "store", "recording", "web"},
    "agent": {"protocol", "auth"},
    "client": {"protocol", "auth", "recording"},
    "web": set(),
    "cli": {"protocol", "auth", "store", "recording", "server", "agent", "client", "web"},
}


# inside tether.server: the components below the request handlers are given what they need by the assembly
# (tether/server/app.py) and never reach up to the handlers' state, the API or the assembly itself
SERVER_COMPONENTS = ("bus", "agents", "router", "relay", "lifecycle", "records", "audit", "clock", "principals",
                     "listeners", "config")
SERVER_ABOVE = ("tether.server.state", "tether.server.api", "tether.server.app", "tether.server.control",
                "tether.server.data", "tether.server.console", "tether.server.signin", "tether.server.jobs",
                "tether.server.openapi")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _imported(tree: ast.AST, name: str, is_package: bool, known: dict[str, Path]) -> Iterator[str]:
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            submodules = [f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in known]
            yield from submodules  # `from tether.server import relay` imports the module tether.server.relay
            if len(submodules) < len(node.names):  # ... and any other name comes from the package itself
                yield source


def graph() -> dict[str, set[str]]:
    """module -> the tether modules it imports (a package's own submodules importing it count, too)."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = set()
        for target in _imported(tree, name, path.name == "__init__.py", known):
            while target and target not in known:  # `tether.store.Foo` -> the module that defines it
                target = target.rpartition(".")[0]
            if target and target != name and target.split(".")[0] == PACKAGE:
                targets.add(target)
        edges[name] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def breaches(edges: dict[str, set[str]]) -> list[str]:
    """Imports that point up or sideways in LAYERS, e.g. tether.agent importing tether.server."""
    wrong = []
    for source, targets in sorted(edges.items()):
        layer = _part(source)
        if layer not in LAYERS:
            continue
        for target in sorted(targets):
            other = _part(target)
            if other and other != layer and other not in LAYERS[layer]:
                wrong.append(f"{source} imports {target} ({layer} may use only {sorted(LAYERS[layer]) or 'nothing'})")
    return wrong


def reach_ups(edges: dict[str, set[str]]) -> list[str]:
    """Server components importing the layer that uses them (SERVER_ABOVE)."""
    wrong = []
    for source, targets in sorted(edges.items()):
        parts = source.split(".")
        if parts[:2] != ["tether", "server"] or len(parts) < 3 or parts[2] not in SERVER_COMPONENTS:
            continue
        for target in sorted(targets):
            if any(target == above or target.startswith(above + ".") for above in SERVER_ABOVE):
                wrong.append(f"{source} imports {target}, which uses it")
    return wrong


def main() -> int:
    edges = graph()
    problems = 0
    for component in cycles(edges):
        problems += 1
        print("import cycle: " + " <-> ".join(component))
    for line in breaches(edges) + reach_ups(edges):
        problems += 1
        print("layer breach: " + line)
    if problems:
        return 1
    print(f"{len(edges)} modules, {sum(len(t) for t in edges.values())} imports: no cycles, no layer breaches")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
