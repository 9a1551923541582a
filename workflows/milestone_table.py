"""Every kind's milestones as one Markdown table (docs/milestones.md), written from the rules themselves.

A reader checks coverage against the seeds in one place; tests/test_milestone_table.py fails when the
file and the rules disagree.
"""

from __future__ import annotations

from workflows.kinds import KINDS
from workflows.rules import Condition, MilestoneRule

REGENERATE = "inspectbot timeline --milestones-md > docs/milestones.md"


def milestones_markdown() -> str:
    """The whole document: a heading and a table per kind, one row per milestone."""
    lines = [
        "# Milestones of every kind of inspection",
        "",
        f"Generated from `workflows/kinds.py`; do not edit by hand. Regenerate with `{REGENERATE}`.",
        "Seed lines are 1-based lines of `shared/seeds/NNN_*.txt`. Lines with deadline wording that no rule",
        "cites are listed, each with its reason, in `workflows/seed_lines_not_deadlines.toml`.",
    ]
    for kind in KINDS.values():
        lines += ["", f"## `{kind.id}`: {kind.name}", ""]
        if kind.grades:
            grades = ", ".join(kind.grade_label(grade) for grade in kind.grades)
            lines.append(f"Judged: {grades}. Start: {kind.start_text}.")
        else:
            lines.append(f"Judged on serious or widespread concerns. Start: {kind.start_text}.")
        for trigger in kind.triggers:
            lines.append(f"Recorded trigger `{trigger.key}`: {trigger.label}.")
        lines += ["", "| key | milestone | when | applies | who | seed |", "|---|---|---|---|---|---|"]
        lines += [_row(kind.id, rule) for rule in kind.milestones]
    return "\n".join(lines) + "\n"


def _row(kind_id: str, rule: MilestoneRule) -> str:
    kind = KINDS[kind_id]
    applies = "always" if rule.condition is Condition.ALWAYS else rule.condition.label.removeprefix("only ")
    marks = (("internal", rule.internal), ("not recordable", not rule.recordable))
    flags = [name for name, on in marks if on]
    label = rule.label + (f" ({', '.join(flags)})" if flags else "")
    cells = (f"`{rule.key}`", label, rule.rule_text(kind), applies, rule.actor.label, rule.source.citation)
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
