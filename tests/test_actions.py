"""What each party can do now on a case (workflows/actions.py): each kind's cut-off right to the day,
and the day before and after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows import comments, complaints, deferral, notification, survey
from workflows.actions import Action, Waiting, available
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates
from workflows.flows import Party, Situation
from workflows.kinds import KINDS

CALENDAR = WorkingCalendar()
MONDAY = date(2026, 3, 23)  # the first on-site day of the cases below that have not started


def _situation(
    today: date,
    *,
    kind: str = "ch-full",
    start: date = MONDAY,
    judgement: str | None = None,
    **records: date,
) -> Situation:
    return Situation(KINDS[kind], CaseDates(start, None, dict(records), judgement, False), today, CALENDAR)


def _by_key(actions: list[Action]) -> dict[str, Action]:
    return {a.key: a for a in actions}


def _last_day(situation: Situation, key: str) -> date:
    found = situation.deadline(key)
    assert found is not None
    return found.last_day


# ---------------------------------------------------------------- provider: deferral


def test_deferral_until_the_last_working_day_before_the_visit() -> None:
    wednesday = _by_key(available(_situation(date(2026, 3, 11)), Party.PROVIDER, 12))
    assert wednesday["defer"] == Action(
        "defer", "ask to defer the inspection", "/defer 12", date(2026, 3, 20)
    )
    friday = _by_key(available(_situation(date(2026, 3, 20)), Party.PROVIDER, 12))
    assert friday["defer"].last_day == date(2026, 3, 20)


def test_deferral_on_the_weekend_before_is_still_accepted_until_the_day_before() -> None:
    saturday = _situation(date(2026, 3, 21))
    assert deferral.started(saturday) is None  # the workflow still accepts a request today
    assert _by_key(available(saturday, Party.PROVIDER, 12))["defer"].last_day == date(2026, 3, 22)


def test_no_deferral_once_the_visit_has_started_or_while_one_is_asked() -> None:
    assert "defer" not in _by_key(available(_situation(MONDAY), Party.PROVIDER, 12))
    asked = [Waiting(deferral.MACHINE.kind, (deferral.WITHDRAW,))]
    assert "defer" not in _by_key(available(_situation(date(2026, 3, 11)), Party.PROVIDER, 12, asked))


def test_deferral_of_a_covid_visit_ends_before_the_call() -> None:
    # A COVID-19 visit is live from the announcement call, the working day before its on-site day.
    situation = _situation(date(2026, 3, 11), kind="covid-assurance", start=date(2026, 3, 24))
    call = deferral.begins(situation)
    assert call == date(2026, 3, 23)
    assert _by_key(available(situation, Party.PROVIDER, 3))["defer"].last_day == date(2026, 3, 20)


# ---------------------------------------------------------------- provider: comments on the draft


def test_comments_open_with_the_draft_and_are_late_the_day_after_their_deadline() -> None:
    before = _situation(date(2026, 3, 10), start=date(2026, 3, 2))
    assert "comment" not in _by_key(available(before, Party.PROVIDER, 5))
    sent = date(2026, 3, 11)
    due = _last_day(_situation(sent, start=date(2026, 3, 2), draft_report=sent), comments.COMMENTS)
    assert due == date(2026, 3, 18)
    on_time = _by_key(
        available(_situation(due, start=date(2026, 3, 2), draft_report=sent), Party.PROVIDER, 5)
    )
    assert on_time["comment"] == Action("comment", "comment on the draft report", "/comments 5", due, False)
    after = due + timedelta(days=1)
    late = _by_key(available(_situation(after, start=date(2026, 3, 2), draft_report=sent), Party.PROVIDER, 5))
    assert late["comment"].late and late["comment"].last_day == due


# ---------------------------------------------------------------- provider: complaints


@pytest.mark.parametrize("kind", ["ch-full", "asa-full", "covid-assurance"])
def test_complaint_inside_its_window_only(kind: str) -> None:
    start = date(2026, 3, 2)
    closes = _last_day(_situation(start, kind=kind, start=start), "complaint_window")
    opens = complaints.window(_situation(start, kind=kind, start=start))
    assert opens is not None
    before = opens.opens - timedelta(days=1)
    assert "complain" not in _by_key(available(_situation(before, kind=kind, start=start), Party.PROVIDER, 7))
    first = _by_key(available(_situation(opens.opens, kind=kind, start=start), Party.PROVIDER, 7))
    assert first["complain"] == Action("complain", "make a formal complaint", "/complain 7", closes)
    last = _by_key(available(_situation(closes, kind=kind, start=start), Party.PROVIDER, 7))
    assert last["complain"].last_day == closes
    after = _situation(closes + timedelta(days=1), kind=kind, start=start)
    assert "complain" not in _by_key(available(after, Party.PROVIDER, 7))


def test_complaint_with_no_closing_day_has_no_last_day() -> None:
    start = date(2026, 3, 2)
    situation = _situation(date(2026, 6, 1), kind="la-sif", start=start)
    assert _by_key(available(situation, Party.PROVIDER, 4))["complain"].last_day is None


# ---------------------------------------------------------------- provider: answering


def test_survey_and_acknowledgement_are_listed_when_waiting_for_the_provider() -> None:
    waiting = [
        Waiting(survey.MACHINE.kind, (survey.ANSWER, survey.DECLINE, survey.FINISH)),
        Waiting(notification.MACHINE.kind, (notification.ACKNOWLEDGE,)),
    ]
    found = _by_key(available(_situation(date(2026, 3, 11)), Party.PROVIDER, 12, waiting))
    assert found["survey"].what == "answer the post-inspection survey"
    assert found["survey"].command == "/survey 12"  # carries on where it stopped
    assert found["acknowledge"].last_day is None and found["acknowledge"].command is None  # a button
    keys = list(found)
    assert keys[0] == "defer" and set(keys[1:]) == {"survey", "acknowledge"}  # dated actions first


# ---------------------------------------------------------------- inspector


def test_inspector_notifies_by_the_notice_the_kind_requires() -> None:
    # asa-full needs 10 working days' notice before Monday 23 March 2026: Monday 9 March.
    by = CALENDAR.add_working_days(MONDAY, -10)
    assert by == date(2026, 3, 9)
    on_the_day = _by_key(available(_situation(by, kind="asa-full"), Party.INSPECTOR, 2))
    assert on_the_day["notify"] == Action("notify", "notify the provider", "/notify 2", by, False)
    assert "notice" not in on_the_day["record"].what  # notifying records the notice
    short = _by_key(available(_situation(by + timedelta(days=1), kind="asa-full"), Party.INSPECTOR, 2))
    assert short["notify"].late
    told = [Waiting(notification.MACHINE.kind, ())]
    assert "notify" not in _by_key(available(_situation(by, kind="asa-full"), Party.INSPECTOR, 2, told))
    assert "notify" not in _by_key(available(_situation(MONDAY, kind="asa-full"), Party.INSPECTOR, 2))
    # Children's homes are not told in advance: nothing to notify.
    assert "notify" not in _by_key(available(_situation(by), Party.INSPECTOR, 2))


def test_inspector_records_the_next_step_they_chase() -> None:
    start = date(2026, 3, 2)
    today = date(2026, 3, 11)
    found = _by_key(available(_situation(today, start=start), Party.INSPECTOR, 5))
    draft_qa = _situation(today, start=start).deadline("draft_qa")
    assert draft_qa is not None
    assert found["record"].what == f"record: {draft_qa.label.lower()}"
    assert found["record"].last_day == draft_qa.last_day and found["record"].late
    done = _situation(today, start=start, draft_qa=date(2026, 3, 9), evidence_upload=date(2026, 3, 10))
    draft = done.deadline("draft_report")
    assert draft is not None
    after = _by_key(available(done, Party.INSPECTOR, 5))
    assert after["record"].last_day == draft.last_day and not after["record"].late
    assert "comment" not in after and "defer" not in after  # a provider's actions are not theirs


# ---------------------------------------------------------------- manager


def test_manager_decides_deferrals_until_the_visit_and_holds_case_reviews() -> None:
    asked = [Waiting(deferral.MACHINE.kind, (deferral.APPROVE, deferral.DECLINE))]
    found = _by_key(available(_situation(date(2026, 3, 11)), Party.MANAGER, 12, asked))
    assert found["decide_deferral"].last_day == date(2026, 3, 20)
    started = _by_key(available(_situation(MONDAY), Party.MANAGER, 12, asked))
    assert started["decide_deferral"].last_day is None  # only Decline is left: still theirs to do
    assert "defer" not in found
    start = date(2026, 3, 2)
    inadequate = _situation(date(2026, 3, 10), start=start, judgement="inadequate")
    review = inadequate.deadline("case_review")
    assert review is not None
    due = _by_key(available(inadequate, Party.MANAGER, 5))["due:case_review"]
    assert due.last_day == review.last_day and not due.late
    late = _situation(date(2026, 3, 11), start=start, judgement="inadequate")
    assert _by_key(available(late, Party.MANAGER, 5))["due:case_review"].late
    assert "due:case_review" not in _by_key(
        available(_situation(date(2026, 3, 10), start=start), Party.MANAGER, 5)
    )
