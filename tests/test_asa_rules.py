"""Adoption support agencies (issue 18, items 4a and 4b), as pure rules: a single individual's 20 working
days' notice (003 L433, L501), and a formal complaint made on receiving the final report (003 L998) or
before it, which the final report waits for (003 L509, L1190-1191).

Dates: the first on-site day is Tuesday 3 March 2026, the feedback day Thursday 5 March; Good Friday
(3 April) and Easter Monday (6 April) 2026 are bank holidays.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import pytest

from handlers.render import change_line
from workflows import actions, complaints, notification
from workflows.access import Role
from workflows.calendar import WorkingCalendar
from workflows.changes import ChangeKind, diff
from workflows.deadlines import LONDON, CaseDates, Deadline, compute_timeline, overdue
from workflows.errors import TimelineError
from workflows.flows import NEW, Party, RecordDate, Refused, Situation
from workflows.kinds import KINDS
from workflows.reminders import Hours, Recipient, wanted_reminders
from workflows.rules import Actor, Condition

CAL = WorkingCalendar()
ASA = KINDS["asa-full"]
START = date(2026, 3, 3)
END = date(2026, 3, 5)
DRAFT_SENT = date(2026, 3, 31)  # the draft's window for comments or a complaint ends Thursday 9 April
FINAL_DUE = date(2026, 4, 20)  # 30 working days after the feedback day


def _timeline(records: Mapping[str, date] | None = None, single: bool = False) -> dict[str, Deadline]:
    dates = CaseDates(START, None, dict(records or {}), single_individual=single)
    return {d.key: d for d in compute_timeline(ASA, dates, CAL)}


def _situation(today: date, records: Mapping[str, date], single: bool = False) -> Situation:
    return Situation(ASA, CaseDates(START, None, dict(records), single_individual=single), today, CAL)


# --- 4a: a single individual gets 20 working days' notice --------------------------------------------


def test_single_individual_asa_gets_20_working_days_notice_003_L433_L501() -> None:
    """003 L433: "If the adoption support agency is a single individual, they are notified 20 working days
    before the inspection"; L501 the same in the timeframe table. Other agencies: 10 (L431)."""
    assert _timeline()["notice"].due == date(2026, 2, 17)  # 10 working days before Tuesday 3 March
    assert _timeline(single=True)["notice"].due == date(2026, 2, 3)  # 20 working days before it
    assert CAL.working_days_between(date(2026, 2, 3), START) == 20
    # Nothing else moves: the rest of the timeline counts from the visit, not from the notice.
    rest = {k: d.due for k, d in _timeline().items() if k != "notice"}
    assert rest == {k: d.due for k, d in _timeline(single=True).items() if k != "notice"}
    assert "20 when the agency is a single individual" in _timeline(single=True)["notice"].rule


def test_only_an_adoption_support_agency_can_be_a_single_individual_003_L433() -> None:
    with pytest.raises(TimelineError, match="Only an adoption support agency"):
        compute_timeline(KINDS["ch-full"], CaseDates(START, None, single_individual=True), CAL)


def test_single_individual_short_notice_warning_uses_20_working_days_003_L433() -> None:
    """15 working days' notice is enough for most agencies (10) but short for a single individual (20)."""
    told = CAL.add_working_days(START, -15)
    assert notification.notice_warning(ASA, told, START, CAL) is None
    warning = notification.notice_warning(ASA, told, START, CAL, single_individual=True)
    assert warning is not None
    assert "15 working days' notice" in warning and "single individual needs 20 working days" in warning
    assert "003 L431, L433, L501" in warning
    made = notification.FLOW.apply(
        NEW, "notify", Party.INSPECTOR, {"day": told}, {}, _situation(told, {}, single=True)
    )
    assert made.state == "notified" and made.payload["short_notice"] is True
    assert made.effects == (RecordDate("notice", told),)


def test_inspectors_notify_by_day_is_20_working_days_before_for_a_single_individual_003_L433() -> None:
    today = date(2026, 1, 20)

    def notify_by(single: bool) -> date | None:
        found = actions.available(_situation(today, {}, single), Party.INSPECTOR, 1)
        return next(a.last_day for a in found if a.key == "notify")

    assert notify_by(False) == date(2026, 2, 17)
    assert notify_by(True) == date(2026, 2, 3)


# --- 4b: complaints -----------------------------------------------------------------------------------

RECEIVED = {"end": END, "draft_report": DRAFT_SENT, "final_report": FINAL_DUE}


def _complain(today: date, records: Mapping[str, date]):  # type: ignore[no-untyped-def]
    return complaints.FLOW.apply(NEW, "make", Party.PROVIDER, {"text": "x"}, {}, _situation(today, records))


def test_asa_complaint_on_receiving_the_final_report_is_accepted_003_L998() -> None:
    """003 L998: "the provider may wish to lodge a formal complaint when it receives the final report".
    Before issue 18 this was refused as "the window closed on Thursday 9 April"."""
    on_the_day = _complain(FINAL_DUE, RECEIVED)
    assert on_the_day.state == "made" and on_the_day.payload["window_closes"] is None  # no end is given
    later = _complain(date(2026, 5, 5), RECEIVED)
    assert later.state == "made"
    found = complaints.open_window(_situation(FINAL_DUE, RECEIVED))
    assert found is not None and found.reopen_source is not None
    assert found.reopen_source.citation == "003 L998"
    provider = actions.available(_situation(FINAL_DUE, RECEIVED), Party.PROVIDER, 1)
    assert [a.last_day for a in provider if a.key == "complain"] == [None]


def test_asa_complaint_between_the_draft_window_and_the_final_report_says_when_it_can_be_made_003_L998() -> (
    None
):
    """After the draft's 5 working days (003 L1188) and before the final report: refused, saying when."""
    waiting = {"end": END, "draft_report": DRAFT_SENT}
    with pytest.raises(
        Refused, match=r"closed on Thursday 9 April 2026.*final report, due by Monday 20 April"
    ):
        _complain(date(2026, 4, 14), waiting)
    assert _complain(date(2026, 4, 9), waiting).payload["window_closes"] == "2026-04-09"  # 003 L1188


def test_asa_complaint_before_the_final_report_extends_it_003_L509_L1191() -> None:
    """003 L509/L1191: the final report is "longer if there has been a complaint": with a complaint open
    it has no fixed day (its normal one is kept for show), is never overdue, and publication waits too."""
    made = {"end": END, "draft_report": DRAFT_SENT, "complaint": date(2026, 4, 8)}
    timeline = _timeline(made)
    final, published = timeline["final_report"], timeline["publication"]
    assert final.extended and final.due == FINAL_DUE
    assert published.extended and published.due == date(2026, 4, 27)
    late = date(2026, 6, 1)
    missed = {d.key for d in overdue(list(timeline.values()), late)}
    assert "final_report" not in missed and "publication" not in missed
    assert final.open_on(late) and not final.missed_on(late)
    # Without a complaint the same day is late.
    before = _timeline({"end": END, "draft_report": DRAFT_SENT})
    assert before["final_report"].missed_on(late)
    # Who chases the final report is told it is extended (a move, though its normal day is the same).
    moved = {c.key: c for c in diff(list(before.values()), list(timeline.values()), CAL)}
    assert moved["final_report"].kind is ChangeKind.MOVED and moved["final_report"].working_days == 0
    assert "extended until a formal complaint is answered" in change_line(moved["final_report"])


def test_asa_complaint_is_answered_before_the_final_report_by_a_manager_003_L1190() -> None:
    """003 L1190: "We will respond to any formal complaint before we finalise and send the report": a
    manager's milestone, due by the final report's normal day (003 L1191); once answered, the final report
    is due no earlier than the answer and publication 5 working days after it (003 L1191)."""
    made = {"end": END, "draft_report": DRAFT_SENT, "complaint": date(2026, 4, 8)}
    response = _timeline(made)["complaint_response"]
    assert response.actor is Actor.MANAGER and response.due == FINAL_DUE
    assert response.condition is Condition.COMPLAINT_BEFORE_FINAL
    assert "003 L1190-1191" in response.source
    answered = _timeline({**made, "complaint_response": date(2026, 5, 6)})
    assert not answered["final_report"].extended and answered["final_report"].due == date(2026, 5, 6)
    assert answered["publication"].due == date(2026, 5, 13)
    early = _timeline({**made, "complaint_response": date(2026, 4, 14)})
    assert early["final_report"].due == FINAL_DUE  # answered in time: the normal 30 working days
    # No complaint, or one made on receiving the final report: nothing to answer first, nothing waits.
    assert "complaint_response" not in _timeline({"end": END})
    after = _timeline({**RECEIVED, "complaint": FINAL_DUE})
    assert "complaint_response" not in after and after["final_report"].recorded == FINAL_DUE


def test_answering_or_withdrawing_a_complaint_records_the_day_the_final_report_waits_for_003_L1190() -> None:
    made = {"end": END, "draft_report": DRAFT_SENT, "complaint": date(2026, 4, 8)}
    day = date(2026, 4, 15)
    payload = {"text": "x", "made_on": "2026-04-08"}
    answer = complaints.FLOW.apply(
        "made", "respond", Party.MANAGER, {"response": "Upheld in part."}, payload, _situation(day, made)
    )
    assert answer.effects == (RecordDate("complaint_response", day),)
    withdrawn = complaints.FLOW.apply("made", "withdraw", Party.PROVIDER, {}, payload, _situation(day, made))
    assert withdrawn.effects == (RecordDate("complaint_response", day),)
    # A complaint made on receiving the final report holds nothing up: its answer records nothing.
    after = {**RECEIVED, "complaint": FINAL_DUE}
    late = complaints.FLOW.apply(
        "made", "respond", Party.MANAGER, {"response": "No."}, payload, _situation(date(2026, 5, 1), after)
    )
    assert late.effects == ()


def test_managers_are_reminded_to_answer_the_complaint_and_the_final_report_waits_003_L1190() -> None:
    made = {"end": END, "draft_report": DRAFT_SENT, "complaint": date(2026, 4, 8)}
    timeline = list(_timeline(made).values())
    people = [Recipient(1, Role.INSPECTOR), Recipient(2, Role.MANAGER)]
    now = datetime(2026, 4, 9, 12, 0, tzinfo=LONDON)
    wanted = wanted_reminders(timeline, people, now, Hours(LONDON), CAL)
    answer = {(w.person_id, w.lead.value, w.day) for w in wanted if w.key == "complaint_response"}
    assert (2, "soon", FINAL_DUE) in answer and (2, "due", FINAL_DUE) in answer  # the case's manager
    assert (2, "overdue", FINAL_DUE) in answer
    assert not any(w.person_id == 1 for w in wanted if w.key == "complaint_response")
    assert not any(w.key in ("final_report", "publication") for w in wanted)  # nothing to chase yet
    # With no manager on the case, no one is reminded of it row by row: every manager's morning digest
    # counts it once it is overdue (store.outbox.plan_digests, tests/test_digest.py).
    alone = wanted_reminders(timeline, people[:1], now, Hours(LONDON), CAL)
    assert not [w for w in alone if w.key == "complaint_response"]
