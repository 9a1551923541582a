"""The short history /case shows: each audit entry in words (never the trail's action names), escaped once,
by the person's display name or else their role, never free text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.render import history_line
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
        ("case.create", None, {"kind": "ch-full"}, "Case set up"),
        ("case.event", {"key": "draft_report", "day": None}, {"key": "draft_report", "day": "2026-03-19"},
         "Draft report sent to the provider: recorded as Thursday 19 March 2026"),
        ("case.event", {"key": "end", "day": "2026-03-04"}, {"key": "end", "day": None},
         "Visit ended (feedback given): taken back"),
        ("case.outcome", {"judgement": None}, {"judgement": "requires_improvement"},
         "Judgement recorded: requires improvement"),
        ("case.close", {"status": "open"}, {"status": "closed", "reason": "mistake"},
         "Closed: entered by mistake"),
        ("case.kind", {"kind": "ch-full"}, {"kind": "ch-assurance"},
         "Kind corrected from Children&#x27;s home: full inspection to "
         "Children&#x27;s home: assurance inspection"),
        ("invite.create", None, {"role": "provider"}, "Invitation sent (provider)"),
        ("setting.rename", {"length": 9}, {"length": 12}, "Setting&#x27;s name corrected"),
        ("case.member", None, {"person_id": 7, "role": "provider"}, "Pat &lt;P&gt; added as provider"),
        ("case.member", None, {"person_id": 99, "role": "inspector"}, "Inspector added"),
        ("request.comments.submit", None, {"request_id": 1}, "Comments sent by the provider"),
        ("request.survey.offer", None, {"request_id": 2}, "Survey offered"),
    ],
)  # fmt: skip
def test_history_lines_in_words_by_name(
    action: str, before: dict[str, object], after: dict[str, object], expected: str
) -> None:
    entry = AuditEntry(1, AT, 3, "inspector:3", action, 1, before, after)
    names = {3: "Ian Inspector", 7: "Pat <P>"}
    assert history_line(CASE, entry, names) == f"• Friday 20 March 2026: {expected} (Ian Inspector)"


@pytest.mark.parametrize(
    ("actor_id", "label", "who"),
    [
        (None, "system", "the bot"),
        (None, "cli", "the operator"),
        (1, "manager:1", "a manager"),  # no name known (removed): the role in words
        (3, "provider:3", "the provider"),
    ],
)
def test_who_made_a_change_without_a_name_is_said_by_role(actor_id: int | None, label: str, who: str) -> None:
    entry = AuditEntry(1, AT, actor_id, label, "request.survey.offer", 1, None, {"request_id": 2})
    line = history_line(CASE, entry, {})
    assert line == f"• Friday 20 March 2026: Survey offered ({who})"
    assert "request." not in line and label not in line
