"""The case-life features import only downward: base modules of handlers/ (and store/, workflows/), never
another feature module, so no circle runs through them. Imports inside functions and under TYPE_CHECKING
count too (as /work's import checker counts them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
#: What a feature module may import from handlers/: the base modules, which import no feature module.
BASE = {
    "buttons",
    "button_fields",
    "context",
    "conversation",
    "drafts",
    "menu",
    "parsing",
    "people",
    "recorder",
    "reminder_buttons",
    "render",
    "timeline",
}
FEATURES = ["record", "lifecycle", "assign", "invite", "survey", "reminders"]


def _handlers_imported(module: str) -> set[str]:
    tree = ast.parse((HANDLERS / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            parts = node.module.split(".")
            if parts[0] == "handlers" and len(parts) > 1:
                found.add(parts[1])
            elif node.module == "handlers":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("handlers."))
    return found


@pytest.mark.parametrize("module", FEATURES)
def test_a_feature_module_imports_only_base_modules(module: str) -> None:
    sideways = {m for m in _handlers_imported(module) if m not in BASE}
    assert not sideways, f"handlers.{module} imports feature modules {sorted(sideways)}"


@pytest.mark.parametrize("module", ["recorder", "reminder_buttons", "button_fields", "drafts"])
def test_the_base_modules_they_share_import_no_feature_module(module: str) -> None:
    assert _handlers_imported(module) <= BASE, _handlers_imported(module) - BASE
