"""The short history /case shows: each audit entry in words, escaped once, never a name or free text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.cases import history_line
from store.models import AuditEntry, Case, Setting

CASE = Case(
    id=1,
    ref=1,
    kind="ch-full",
    setting=Setting(1, "Oak House", None),
    planned_start=date(2026, 3, 3),
    planned_end=None,
    status="open",
    judgement=None,
    concerns=False,
    events={},
    members=(),
    created_at=datetime(2026, 3, 1, tzinfo=UTC),
    closed_at=None,
)
AT = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("action", "before", "after", "expected"),
    [
        ("case.create", None, {"kind": "ch-full"}, "case set up"),
        ("case.event", {"key": "draft_report", "day": None}, {"key": "draft_report", "day": "2026-03-19"},
         "Draft report sent to the provider: recorded as Thursday 19 March 2026"),
        ("case.event", {"key": "end", "day": "2026-03-04"}, {"key": "end", "day": None},
         "Visit ended (feedback given): taken back"),
        ("case.outcome", {"judgement": None}, {"judgement": "requires_improvement"},
         "judgement recorded: requires improvement"),
        ("case.close", {"status": "open"}, {"status": "closed", "reason": "mistake"},
         "closed: entered by mistake"),
        ("case.kind", {"kind": "ch-full"}, {"kind": "ch-assurance"},
         "kind corrected from Children&#x27;s home: full inspection to "
         "Children&#x27;s home: assurance inspection"),
        ("invite.create", None, {"role": "provider"}, "invitation sent (provider)"),
        ("setting.rename", {"length": 9}, {"length": 12}, "setting&#x27;s name corrected"),
    ],
)  # fmt: skip
def test_history_lines(
    action: str, before: dict[str, object], after: dict[str, object], expected: str
) -> None:
    entry = AuditEntry(1, AT, 3, "inspector:3", action, 1, before, after)
    assert history_line(CASE, entry) == f"• Friday 20 March 2026: {expected} (inspector:3)"
