"""What each party can do now on a case (workflows/actions.py): each kind's cut-off right to the day,
and the day before and after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows import comments, complaints, deferral, notification, survey
from workflows.actions import Action, Waiting, available
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates
from workflows.flows import Party, Refused, Situation
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
    # An announced kind: asked before the visit (deferral-policy.md section 2).
    wednesday = _by_key(available(_situation(date(2026, 3, 11), kind="asa-full"), Party.PROVIDER, 12))
    assert wednesday["defer"] == Action(
        "defer", "ask to defer the inspection", "/defer 12", date(2026, 3, 20)
    )
    friday = _by_key(available(_situation(date(2026, 3, 20), kind="asa-full"), Party.PROVIDER, 12))
    assert friday["defer"].last_day == date(2026, 3, 20)


def test_deferral_on_the_weekend_before_is_still_accepted_until_the_day_before() -> None:
    saturday = _situation(date(2026, 3, 21), kind="asa-full")
    assert deferral.started(saturday) is None  # the workflow still accepts a request today
    assert _by_key(available(saturday, Party.PROVIDER, 12))["defer"].last_day == date(2026, 3, 22)


def test_no_deferral_once_the_visit_has_started_or_while_one_is_asked() -> None:
    assert "defer" not in _by_key(available(_situation(MONDAY, kind="asa-full"), Party.PROVIDER, 12))
    asked = [Waiting(deferral.MACHINE.kind, (deferral.WITHDRAW,))]
    waiting = available(_situation(date(2026, 3, 11), kind="asa-full"), Party.PROVIDER, 12, asked)
    assert "defer" not in _by_key(waiting)


@pytest.mark.parametrize("kind", ["ch-full", "ch-assurance", "ch-interim-2014"])
def test_an_unannounced_visit_is_deferred_once_inspectors_arrive_not_before(kind: str) -> None:
    # No notice (000 L534): "at the first opportunity after inspectors arrive" (deferral-policy.md s2).
    for day in (date(2026, 3, 11), date(2026, 3, 20), date(2026, 3, 22)):
        before = _situation(day, kind=kind)
        assert "defer" not in _by_key(available(before, Party.PROVIDER, 12)), day
        with pytest.raises(Refused, match="no visit on this case to defer now") as refused:
            deferral.refuse_if_started(before)
        assert "March" not in str(refused.value) and "2026" not in str(refused.value)
    last = before.last_day()
    on_site = _by_key(available(_situation(MONDAY, kind=kind), Party.PROVIDER, 12))
    assert on_site["defer"] == Action("defer", "ask to defer the inspection", "/defer 12", last)
    deferral.refuse_if_started(_situation(last, kind=kind))  # still accepted on the last on-site day
    after = _situation(last + timedelta(days=1), kind=kind)
    assert "defer" not in _by_key(available(after, Party.PROVIDER, 12))
    with pytest.raises(Refused, match="can no longer be deferred"):
        deferral.refuse_if_started(after)
    # A recorded start (inspectors came early) opens it; a recorded end closes it.
    early_day = date(2026, 3, 18)
    early = Situation(KINDS[kind], CaseDates(MONDAY, None, {"start": early_day}), early_day, CALENDAR)
    assert "defer" in _by_key(available(early, Party.PROVIDER, 12))
    ended = Situation(KINDS[kind], CaseDates(MONDAY, None, {"end": MONDAY}), MONDAY, CALENDAR)
    assert "defer" not in _by_key(available(ended, Party.PROVIDER, 12))


def test_deferral_of_a_covid_visit_opens_with_its_call() -> None:
    # A COVID-19 visit is announced by a call the working day before its on-site day (002 L155-156):
    # secret until then, so a request comes from the call to the on-site day.
    situation = _situation(date(2026, 3, 11), kind="covid-assurance", start=date(2026, 3, 24))
    call = deferral.begins(situation)
    assert call == date(2026, 3, 23)
    assert "defer" not in _by_key(available(situation, Party.PROVIDER, 3))
    called = _situation(call, kind="covid-assurance", start=date(2026, 3, 24))
    assert _by_key(available(called, Party.PROVIDER, 3))["defer"].last_day == date(2026, 3, 24)
    told = _situation(
        date(2026, 3, 12), kind="covid-assurance", start=date(2026, 3, 24), notification=date(2026, 3, 12)
    )
    assert _by_key(available(told, Party.PROVIDER, 3))["defer"].last_day == date(2026, 3, 24)


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
    announced = _situation(date(2026, 3, 11), kind="asa-full")
    found = _by_key(available(announced, Party.PROVIDER, 12, waiting))
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
    # Notifying records the notice, and the report steps wait for the end of the visit: nothing to record.
    assert "record" not in on_the_day, on_the_day
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
    found = _by_key(available(_situation(date(2026, 3, 11), kind="asa-full"), Party.MANAGER, 12, asked))
    assert found["decide_deferral"].last_day == date(2026, 3, 20)
    started = _by_key(available(_situation(MONDAY, kind="asa-full"), Party.MANAGER, 12, asked))
    assert started["decide_deferral"].last_day is None  # only Decline is left: still theirs to do
    assert "defer" not in found
    # Unannounced: asked once inspectors arrived, decided by the last on-site day (Tuesday 24 March).
    on_site = _by_key(available(_situation(MONDAY), Party.MANAGER, 12, asked))
    assert on_site["decide_deferral"].last_day == date(2026, 3, 24)
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
