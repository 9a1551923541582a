"""docs/milestones.md is the table the rules generate: it fails here the moment a rule changes without it."""

from __future__ import annotations

from pathlib import Path

from workflows.kinds import KINDS
from workflows.milestone_table import REGENERATE, milestones_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "milestones.md"


def test_docs_milestones_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == milestones_markdown(), f"out of date: run {REGENERATE}"


def test_every_milestone_has_a_row_with_its_seed_lines() -> None:
    text = milestones_markdown()
    for kind in KINDS.values():
        section = text.split(f"## `{kind.id}`", 1)[1].split("\n## ", 1)[0]
        for rule in kind.milestones:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{rule.key}` |"))
            assert row.endswith(f"| {rule.source.citation} |"), row
