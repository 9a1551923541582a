"""The reminder policy and its placement, pure (workflows/reminders.py): working mornings only, the day
before for reminders ahead of a deadline and after for the overdue one, the quiet hours, who is reminded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from workflows.access import Role
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON, CaseDates, Deadline, compute_timeline
from workflows.kinds import KINDS
from workflows.reminders import (
    DEFAULT_STEPS,
    Hours,
    Lead,
    Recipient,
    judgement_change_told,
    notices,
    planned_at,
    wanted_reminders,
)

CAL = WorkingCalendar()
HOURS = Hours(LONDON)
SOON, DUE, OVERDUE = DEFAULT_STEPS


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def deadline(due: date, key: str = "draft_report") -> Deadline:
    timeline = compute_timeline(KINDS["ch-full"], CaseDates(start=None, end=date(2026, 3, 10)), CAL)
    return replace(next(d for d in timeline if d.key == key), due=due)


@pytest.mark.parametrize(
    ("due", "step", "expected"),
    [
        (date(2026, 4, 7), SOON, at(date(2026, 4, 1), 9)),  # over Easter: Wednesday before
        (date(2026, 4, 7), DUE, at(date(2026, 4, 7), 9)),
        (date(2026, 4, 2), OVERDUE, at(date(2026, 4, 7), 9)),  # Thursday before Easter: Tuesday after
        (date(2026, 3, 14), DUE, at(date(2026, 3, 13), 9)),  # due on a Saturday: the Friday morning
        (date(2026, 3, 14), OVERDUE, at(date(2026, 3, 16), 9)),  # ... overdue on the Monday
    ],
)
def test_steps_fall_on_working_mornings(due: date, step: object, expected: datetime) -> None:
    assert planned_at(deadline(due), step, HOURS, CAL) == expected  # type: ignore[arg-type]


def test_quiet_hours_and_the_next_reminding_moment() -> None:
    friday = date(2026, 3, 13)
    assert not HOURS.quiet(at(friday, 19, 59)) and HOURS.quiet(at(friday, 20))
    assert HOURS.quiet(at(friday, 7, 59)) and not HOURS.quiet(at(friday, 8))
    assert HOURS.next_awake(at(friday, 23)) == at(date(2026, 3, 14), 8)
    assert HOURS.next_reminding(at(friday, 8, 30), CAL) == at(friday, 9)
    assert HOURS.next_reminding(at(friday, 21), CAL) == at(date(2026, 3, 16), 9)  # Monday
    assert HOURS.next_reminding(at(date(2026, 4, 6), 12), CAL) == at(date(2026, 4, 7), 9)  # Easter Monday
    assert HOURS.next_reminding(at(friday, 11), CAL) == at(friday, 11)


def test_who_is_reminded_and_when_a_time_has_passed() -> None:
    timeline = compute_timeline(KINDS["ch-full"], CaseDates(start=None, end=date(2026, 3, 10)), CAL)
    people = [
        Recipient(1, Role.INSPECTOR),
        Recipient(2, Role.PROVIDER),
        Recipient(3, Role.PROVIDER, muted=True),
    ]
    now = at(date(2026, 3, 17), 12)  # QA window and evidence upload end today
    wanted = wanted_reminders(timeline, people, now, HOURS, CAL)
    by = {(w.person_id, w.key, w.lead) for w in wanted}
    assert (2, "draft_qa", Lead.SOON) not in by  # providers are never reminded of internal steps
    assert not any(w.person_id == 3 for w in wanted)  # muted
    # Both "due soon" (13 March) and "due today" (9am) have passed and the deadline has not: only the
    # latest still says something true, and it goes at once.
    assert (1, "evidence_upload", Lead.DUE) in by and (1, "evidence_upload", Lead.SOON) not in by
    today = next(w for w in wanted if (w.person_id, w.key, w.lead) == (1, "evidence_upload", Lead.DUE))
    assert today.due_at == now
    # Managers get no row per milestone: their morning digest counts what is overdue (store.outbox).
    assert {w.person_id for w in wanted} == {1, 2}
    later = wanted_reminders(timeline, people, at(date(2026, 3, 19), 12), HOURS, CAL)
    leads = {w.lead for w in later if w.key == "evidence_upload"}
    assert leads == {Lead.OVERDUE}  # once the deadline has passed, only the overdue one


def test_a_moved_deadline_is_told_to_its_owners_and_the_draft_to_providers() -> None:
    kind = KINDS["ch-full"]
    before = compute_timeline(kind, CaseDates(start=None, end=date(2026, 3, 10)), CAL)
    after = compute_timeline(kind, CaseDates(start=None, end=date(2026, 3, 17)), CAL)
    people = [Recipient(1, Role.INSPECTOR), Recipient(2, Role.PROVIDER)]
    told = notices(before, after, people, CAL, date(2026, 3, 11))
    assert {(m.person_id, m.change.key) for m in told.moved} >= {
        (1, "draft_report"),
        (2, "provider_comments"),
    }
    assert not any(m.person_id == 2 and m.change.key == "draft_qa" for m in told.moved)
    assert told.draft_sent_to == []
    drafted = compute_timeline(
        kind, CaseDates(start=None, end=date(2026, 3, 10), records={"draft_report": date(2026, 4, 2)}), CAL
    )
    told = notices(before, drafted, people, CAL, date(2026, 4, 2))
    assert told.draft_sent_to == [2]
    assert notices([], before, people, CAL, date(2026, 3, 11)).moved == []  # a new case: nothing moved


def test_a_changed_judgement_is_told_only_before_the_draft_and_where_the_guidance_says() -> None:
    """000 L1238 (children's homes) and 003 L968 (adoption support agencies): before the draft report."""
    draft = {"draft_report": date(2026, 4, 2)}
    assert judgement_change_told("ch-full", "good", "requires_improvement", {})
    assert judgement_change_told("asa-full", "good", "inadequate", {})
    assert not judgement_change_told("ch-full", None, "good", {})  # the feedback's own judgement
    assert not judgement_change_told("ch-full", "good", "good", {})
    assert not judgement_change_told("ch-full", "good", "inadequate", draft)
    assert not judgement_change_told("la-sif", "good", "inadequate", {})  # 004 says nothing of it
