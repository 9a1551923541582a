"""No import circles inside store/, bot/ and workflows/ (issue 19 item 7).

Every import counts, also one inside a function or under `TYPE_CHECKING`: a lazy import hides a circle
from Python, not from the reader. store/'s repositories take `store.connection.Connection`, shared row
helpers live in small modules below them, and `store.database` composes them on top; a new sideways
import that closes a loop fails here, naming the modules and the names each imports from the next.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The packages checked; handlers/ joins once its feature modules stop importing each other.
PACKAGES = ("store", "bot", "workflows", "handlers")


def import_graph(root: Path, package: str) -> dict[str, dict[str, set[str]]]:
    """Module -> the modules of the same package it imports -> the names it takes from each."""
    modules = {
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): path
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, dict[str, set[str]]] = {name: {} for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    target = submodule if submodule in modules else node.module
                    if target in modules and target != name:
                        graph[name].setdefault(target, set()).add(alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules and alias.name != name:
                        graph[name].setdefault(alias.name, set()).add("*")
    return graph


def circles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def describe(graph: dict[str, dict[str, set[str]]], component: list[str]) -> str:
    members = set(component)
    return "\n".join(
        f"  {source} -> {target}: {', '.join(sorted(names))}"
        for source in component
        for target, names in sorted(graph[source].items())
        if target in members
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circle(package: str) -> None:
    graph = import_graph(ROOT, package)
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(describe(graph, c) for c in found)


def test_a_circle_is_found() -> None:
    """The check itself: two modules importing each other, one of them lazily, are a circle."""
    graph: dict[str, dict[str, set[str]]] = {
        "store.a": {"store.b": {"f"}},
        "store.b": {"store.a": {"g"}},
        "store.c": {"store.a": {"h"}},
    }
    assert circles(graph) == [["store.a", "store.b"]]
    assert describe(graph, ["store.a", "store.b"]) == "  store.a -> store.b: f\n  store.b -> store.a: g"


def test_no_repository_imports_the_database() -> None:
    """Repositories take the `Connection`: nothing that `store.database` imports reaches back to it."""
    graph = import_graph(ROOT, "store")
    below = set(graph["store.database"])
    seen: set[str] = set()
    while below - seen:
        module = (below - seen).pop()
        seen.add(module)
        below |= set(graph[module])
    assert "store.database" not in seen
    assert {"store.cases", "store.requests", "store.outbox", "store.connection"} <= seen
