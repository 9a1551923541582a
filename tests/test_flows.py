"""The inspection workflows as pure state machines: every table of moves, each flow's checks and effects."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows import case_review, comments, complaints, deferral, notification, survey
from workflows.access import Role, Scope, Subject
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates
from workflows.flows import (
    NEW,
    ClearRecord,
    Flow,
    NotYours,
    Party,
    RecordDate,
    Refused,
    SetPlanned,
    Situation,
    party_of,
    purge_payload,
)
from workflows.kinds import KINDS
from workflows.request_kinds import FLOWS, visible_to

CAL = WorkingCalendar()
P, INS, M, S = Party.PROVIDER, Party.INSPECTOR, Party.MANAGER, Party.SYSTEM

#: Every allowed (state, event, party) -> state, written out by hand: anything not here must be refused.
TABLES: dict[str, dict[tuple[str, str, Party], str]] = {
    "notification": {
        (NEW, "notify", INS): "notified",
        (NEW, "notify", M): "notified",
        ("notified", "acknowledge", P): "acknowledged",
        ("notified", "withdraw", INS): "withdrawn",
        ("notified", "withdraw", M): "withdrawn",
    },
    "deferral": {
        (NEW, "ask", P): "requested",
        ("requested", "approve", M): "approved",
        ("requested", "decline", M): "declined",
        ("requested", "withdraw", P): "withdrawn",
    },
    "comments": {
        (NEW, "submit", P): "submitted",
        ("submitted", "see", INS): "seen",
        ("submitted", "see", M): "seen",
    },
    "complaint": {
        (NEW, "make", P): "made",
        ("made", "respond", M): "responded",
        ("made", "withdraw", P): "withdrawn",
    },
    "survey": {
        (NEW, "offer", S): "offered",
        (NEW, "offer", INS): "offered",
        (NEW, "offer", M): "offered",
        ("offered", "offer", S): "offered",  # again with the final report (000 L1246)
        ("answering", "offer", S): "answering",
        ("offered", "answer", P): "answering",
        ("offered", "decline", P): "declined",
        ("offered", "finish", P): "done",
        ("answering", "answer", P): "answering",
        ("answering", "finish", P): "done",
    },
    "case_review": {
        (NEW, "start", S): "open",
        (NEW, "start", M): "open",
        ("open", "debrief", INS): "debriefed",
        ("open", "debrief", M): "debriefed",
        ("debriefed", "decide", M): "decided",
    },
}


def _cases() -> list[tuple[str, str, str, Party]]:
    rows = []
    for kind, flow in FLOWS.items():
        events = sorted({m.event for m in flow.machine.moves} | {"nonsense"})
        for state, event, party in itertools.product((NEW, *flow.machine.states), events, Party):
            rows.append((kind, state, event, party))
    return rows


def test_every_flow_has_a_table() -> None:
    assert set(FLOWS) == set(TABLES)


@pytest.mark.parametrize(("kind", "state", "event", "party"), _cases())
def test_the_table_of_moves(kind: str, state: str, event: str, party: Party) -> None:
    machine = FLOWS[kind].machine
    expected = TABLES[kind].get((state, event, party))
    if expected is not None:
        assert machine.target(state, event, party) == expected
        assert event in machine.events(state, party)
    else:
        with pytest.raises(Refused):
            machine.target(state, event, party)
        assert event not in machine.events(state, party)


def test_an_event_for_someone_else_is_refused_as_not_theirs() -> None:
    with pytest.raises(NotYours, match="manager"):
        deferral.MACHINE.target("requested", "approve", Party.PROVIDER)


def test_final_states_take_nothing_and_every_state_is_reachable() -> None:
    for flow in FLOWS.values():
        machine = flow.machine
        reached = {NEW}
        for _ in machine.states:
            reached |= {m.target for m in machine.moves if m.source in reached}
        assert reached == {NEW, *machine.states}, machine.kind
        for state in machine.final:
            assert all(not machine.events(state, party) for party in Party)


@pytest.mark.parametrize(
    ("role", "member", "setting", "expected"),
    [
        (Role.MANAGER, None, 9, M),
        (Role.INSPECTOR, Role.INSPECTOR, 9, INS),
        (Role.INSPECTOR, None, 9, None),  # not on the case: no part
        (Role.PROVIDER, None, 1, P),
        (Role.PROVIDER, None, 2, None),  # another setting's provider
    ],
)
def test_the_part_a_person_plays_on_a_case(
    role: Role, member: Role | None, setting: int, expected: Party | None
) -> None:
    subject = Subject(person_id=7, role=role, setting_id=setting, active=True)
    scope = Scope(setting_id=1, members={7: member} if member else {})
    assert party_of(subject, scope) is expected
    inactive = Subject(person_id=7, role=role, setting_id=setting, active=False)
    assert party_of(inactive, scope) is None


def test_providers_never_see_case_reviews() -> None:
    assert not visible_to(P, "case_review")
    assert visible_to(P, "complaint") and visible_to(INS, "case_review")


def sit(
    kind: str,
    start: date | None,
    today: date,
    records: Mapping[str, date] | None = None,
    judgement: str | None = None,
    concerns: bool = False,
) -> Situation:
    dates = CaseDates(start, None, dict(records or {}), judgement, concerns)
    return Situation(KINDS[kind], dates, today, CAL)


def run(flow: Flow, state: str, event: str, party: Party, situation: Situation, **data: object):  # type: ignore[no-untyped-def]
    return flow.apply(state, event, party, data, {}, situation)


# --- notification ----------------------------------------------------------------------------------


def test_asa_notice_shorter_than_10_working_days_warns_but_counts() -> None:
    start = date(2026, 3, 16)  # Monday
    short = run(
        notification.FLOW, NEW, "notify", INS, sit("asa-full", start, date(2026, 3, 9)), day=date(2026, 3, 9)
    )
    assert short.state == "notified" and short.effects == (RecordDate("notice", date(2026, 3, 9)),)
    assert len(short.warnings) == 1 and "needs 10 working days" in short.warnings[0]
    assert "003 L431, L433" in short.warnings[0] and short.payload["short_notice"] is True
    # Said as a sentence says it: the article agrees, the number too.
    assert (
        "That is 5 working days' notice before Monday 16 March 2026; an adoption support agency: full "
        "inspection needs 10 working days" in short.warnings[0]
    ), short.warnings[0]
    one = run(
        notification.FLOW,
        NEW,
        "notify",
        INS,
        sit("asa-full", start, date(2026, 3, 13)),
        day=date(2026, 3, 13),
    )
    assert "That is 1 working day's notice" in one.warnings[0], one.warnings[0]
    enough = run(
        notification.FLOW, NEW, "notify", INS, sit("asa-full", start, date(2026, 3, 2)), day=date(2026, 3, 2)
    )
    assert enough.warnings == () and enough.tell == (P,)


def test_la_sif_notice_is_the_working_day_before() -> None:
    start = date(2026, 3, 3)  # Tuesday
    fine = run(
        notification.FLOW, NEW, "notify", M, sit("la-sif", start, date(2026, 3, 2)), day=date(2026, 3, 2)
    )
    assert fine.warnings == () and fine.effects == (RecordDate("notification", date(2026, 3, 2)),)
    # On the first day of fieldwork the visit has started: too late to notify (the /record of the day is
    # still open), so the short notice is only ever worded by notice_warning itself.
    with pytest.raises(Refused, match="The visit started on Tuesday 3 March 2026"):
        run(notification.FLOW, NEW, "notify", M, sit("la-sif", start, date(2026, 3, 3)), day=date(2026, 3, 2))
    late = notification.notice_warning(KINDS["la-sif"], start, start, CAL)
    assert late is not None and "0 working days' notice" in late


def test_unannounced_kinds_are_refused_and_future_notifications_too() -> None:
    for kind in ("ch-full", "ch-assurance", "ch-interim-2014"):
        for today in (date(2026, 3, 2), date(2026, 4, 3)):  # before the visit, and a month after it
            with pytest.raises(Refused) as refused:
                run(notification.FLOW, NEW, "notify", INS, sit(kind, date(2026, 3, 3), today), day=today)
            assert str(refused.value).startswith("Children's homes are inspected without notice (000 L534"), (
                refused.value
            )
            assert str(refused.value).endswith("): there is nothing to notify.")
    with pytest.raises(Refused, match="future"):
        run(
            notification.FLOW,
            NEW,
            "notify",
            INS,
            sit("asa-full", date(2026, 3, 16), date(2026, 3, 2)),
            day=date(2026, 3, 3),
        )


def test_what_to_prepare_names_real_milestones() -> None:
    for kind, items in notification.PREPARATION.items():
        for item in items:
            assert item.milestone is None or KINDS[kind].milestone(item.milestone) is not None
    assert [p.milestone for p in notification.PREPARATION["covid-assurance"]] == ["annex_a_form"]
    assert notification.PREPARATION["asa-full"][0].source.citation == "003 L441, L443-444, L446"


# --- deferral --------------------------------------------------------------------------------------


def test_a_deferral_once_the_visit_has_started_is_refused_with_the_reason() -> None:
    before = sit("asa-full", date(2026, 3, 16), date(2026, 3, 13))
    assert run(deferral.FLOW, NEW, "ask", P, before, ground="major_incident").state == "requested"
    on_the_day = sit("asa-full", date(2026, 3, 16), date(2026, 3, 16))
    with pytest.raises(Refused, match="started on Monday 16 March 2026"):
        run(deferral.FLOW, NEW, "ask", P, on_the_day, ground="major_incident")
    with pytest.raises(Refused, match="started"):
        run(deferral.FLOW, "requested", "approve", M, on_the_day, start="2026-03-30")


def test_a_covid_visit_is_deferred_from_its_call_the_day_before() -> None:
    """Secret until the call (002 L155-156): before it, /defer names no day; from it, to the on-site day."""
    before = sit("covid-assurance", date(2026, 3, 17), date(2026, 3, 13))
    with pytest.raises(Refused, match="no visit on this case to defer now") as refused:
        run(deferral.FLOW, NEW, "ask", P, before, ground="other", explanation="flood")
    assert "March" not in str(refused.value)
    call_day = sit("covid-assurance", date(2026, 3, 17), date(2026, 3, 16))
    assert run(deferral.FLOW, NEW, "ask", P, call_day, ground="other", explanation="x").state == "requested"
    after = sit("covid-assurance", date(2026, 3, 17), date(2026, 3, 18))
    with pytest.raises(Refused, match="ended on Tuesday 17 March 2026"):
        run(deferral.FLOW, NEW, "ask", P, after, ground="other", explanation="flood")


def test_a_deferral_without_notice_is_decided_while_the_visit_is_on() -> None:
    """Asked once inspectors arrive (deferral-policy.md section 2): decided by the last on-site day."""
    asked = run(
        deferral.FLOW,
        NEW,
        "ask",
        P,
        sit("covid-assurance", date(2026, 3, 17), date(2026, 3, 16)),
        ground="other",
        explanation="flood",
    )
    assert asked.payload["first_day"] == "2026-03-17" and asked.payload["begins"] == "2026-03-16"
    assert asked.payload["until"] == "2026-03-17"
    other = run(
        deferral.FLOW,
        NEW,
        "ask",
        P,
        sit("ch-full", date(2026, 3, 17), date(2026, 3, 17)),
        ground="other",
        explanation="flood",
    )
    assert other.payload["begins"] == other.payload["first_day"] == "2026-03-17"
    assert other.payload["until"] == "2026-03-18"  # two days on site
    on_site = sit("ch-full", date(2026, 3, 17), date(2026, 3, 18))
    approved = run(deferral.FLOW, "requested", "approve", M, on_site, start="2026-04-14")
    assert approved.effects == (SetPlanned(date(2026, 4, 14), None),)  # no planned end: none made up
    with pytest.raises(Refused, match="ended"):
        run(deferral.FLOW, "requested", "approve", M, sit("ch-full", date(2026, 3, 17), date(2026, 3, 19)))


def test_la_sif_offers_only_its_exceptional_circumstances() -> None:
    situation = sit("la-sif", date(2026, 3, 17), date(2026, 3, 10))
    assert [g.id for g in deferral.grounds(KINDS["la-sif"])] == ["severe_weather", "power_failure", "other"]
    with pytest.raises(Refused, match="Serious weather"):
        run(deferral.FLOW, NEW, "ask", P, situation, ground="leader_wellbeing")
    assert (
        run(deferral.FLOW, NEW, "ask", P, situation, ground="severe_weather").payload["ground"]
        == "severe_weather"
    )
    assert all(g.source.seed == "004" for g in deferral.grounds(KINDS["la-sif"]))


def test_other_needs_an_explanation_and_a_decline_a_reason() -> None:
    situation = sit("ch-full", date(2026, 3, 17), date(2026, 3, 17))  # inspectors have arrived
    with pytest.raises(Refused, match="Say why"):
        run(deferral.FLOW, NEW, "ask", P, situation, ground="other")
    with pytest.raises(Refused, match="why it is declined"):
        run(deferral.FLOW, "requested", "decline", M, situation, reason="  ")
    declined = deferral.FLOW.apply(
        "requested", "decline", M, {"reason": "Not a ground"}, {"ground": "x"}, situation
    )
    assert declined.payload == {"ground": "x", "reason": "Not a ground"} and declined.effects == ()


def test_an_approval_gives_new_planned_days() -> None:
    situation = sit("ch-full", date(2026, 3, 17), date(2026, 3, 10))
    outcome = run(deferral.FLOW, "requested", "approve", M, situation, start="2026-03-31", end="2026-04-01")
    assert outcome.effects == (SetPlanned(date(2026, 3, 31), date(2026, 4, 1)),)
    assert outcome.payload["previous_start"] == "2026-03-17" and set(outcome.tell) == {P, INS, M}
    keeps_length = run(
        deferral.FLOW,
        "requested",
        "approve",
        M,
        sit("ch-full", date(2026, 3, 17), date(2026, 3, 10), None),
        start="2026-03-31",
    )
    assert keeps_length.effects == (SetPlanned(date(2026, 3, 31), None),)  # no planned end: none made up
    two_days = Situation(
        KINDS["ch-full"], CaseDates(date(2026, 3, 17), date(2026, 3, 18)), date(2026, 3, 10), CAL
    )
    moved = deferral.FLOW.apply("requested", "approve", M, {"start": "2026-04-02"}, {}, two_days)
    assert moved.effects == (SetPlanned(date(2026, 4, 2), date(2026, 4, 7)),)  # over Easter: still 2 days
    with pytest.raises(Refused, match="not a working day"):
        run(deferral.FLOW, "requested", "approve", M, situation, start="2026-04-03")  # Good Friday
    with pytest.raises(Refused, match="after today"):
        run(deferral.FLOW, "requested", "approve", M, situation, start="2026-03-10")
    with pytest.raises(Refused, match="Give the new first"):
        run(deferral.FLOW, "requested", "approve", M, situation)


# --- comments --------------------------------------------------------------------------------------


def test_comments_open_with_the_draft_and_late_ones_are_marked_late() -> None:
    end = {"end": date(2026, 3, 4)}
    with pytest.raises(Refused, match="hasn't been recorded as sent"):
        run(
            comments.FLOW,
            NEW,
            "submit",
            P,
            sit("ch-full", date(2026, 3, 3), date(2026, 3, 20), end),
            text="x",
        )
    records = {**end, "draft_report": date(2026, 3, 20)}  # Friday; comments due Friday 27 March
    on_time = run(
        comments.FLOW,
        NEW,
        "submit",
        P,
        sit("ch-full", date(2026, 3, 3), date(2026, 3, 27), records),
        text="Fine",
    )
    assert on_time.payload["late"] is False and on_time.payload["due"] == "2026-03-27"
    assert on_time.effects == (RecordDate("provider_comments", date(2026, 3, 27), only_if_absent=True),)
    late = run(
        comments.FLOW,
        NEW,
        "submit",
        P,
        sit("ch-full", date(2026, 3, 3), date(2026, 3, 30), records),
        documents=[{"file_id": "F1", "name": "reply.pdf"}],
    )
    assert late.payload["late"] is True and late.state == "submitted" and "late" in late.warnings[0]
    assert late.tell == (INS,)


def test_a_document_keeps_its_file_id_name_and_size_only() -> None:
    records = {"end": date(2026, 3, 4), "draft_report": date(2026, 3, 20)}
    situation = sit("ch-full", date(2026, 3, 3), date(2026, 3, 23), records)
    sent = run(
        comments.FLOW,
        NEW,
        "submit",
        P,
        situation,
        documents=[
            {"file_id": "F1", "name": "reply.pdf", "size": 2048, "content": "never kept"},
            {"file_id": "F2", "name": None, "size": True},
        ],
    )
    assert sent.payload["text"] is None
    assert sent.payload["documents"] == [
        {"file_id": "F1", "name": "reply.pdf", "size": 2048},
        {"file_id": "F2", "name": None, "size": None},  # not a size: dropped, not trusted
    ]
    with pytest.raises(Refused, match="without its Telegram file id"):
        run(comments.FLOW, NEW, "submit", P, situation, documents=[{"name": "a.pdf"}])


def test_la_sif_comments_are_late_after_half_past_nine() -> None:
    records = {"end": date(2026, 3, 27), "draft_report": date(2026, 4, 24)}
    situation = sit("la-sif", date(2026, 3, 3), date(2026, 5, 5), records)
    nine = datetime(2026, 5, 5, 8, 29, tzinfo=UTC)  # 9:29 in London (BST)
    ten = datetime(2026, 5, 5, 9, 1, tzinfo=UTC)
    assert run(comments.FLOW, NEW, "submit", P, situation, text="a", at=nine).payload["late"] is False
    assert run(comments.FLOW, NEW, "submit", P, situation, text="a", at=ten).payload["late"] is True


def test_no_comments_where_the_kind_has_no_draft_and_none_empty() -> None:
    with pytest.raises(Refused, match="no draft report"):
        run(
            comments.FLOW,
            NEW,
            "submit",
            P,
            sit("ch-interim-2014", date(2026, 3, 3), date(2026, 4, 3)),
            text="x",
        )
    records = {"end": date(2026, 3, 4), "draft_report": date(2026, 3, 20)}
    with pytest.raises(Refused, match="as text or as documents"):
        run(
            comments.FLOW,
            NEW,
            "submit",
            P,
            sit("ch-full", date(2026, 3, 3), date(2026, 3, 23), records),
            text=" ",
        )


# --- complaints ------------------------------------------------------------------------------------

CH_RECORDS = {"end": date(2026, 3, 4), "final_report": date(2026, 4, 20)}  # window ends Monday 27 April


def test_a_complaint_on_the_last_day_of_the_window_is_accepted_the_next_working_day_refused() -> None:
    last = sit("ch-full", date(2026, 3, 3), date(2026, 4, 27), CH_RECORDS)
    made = run(complaints.FLOW, NEW, "make", P, last, text="The evidence was misread")
    assert made.state == "made" and made.payload["window_closes"] == "2026-04-27"
    assert made.effects == (RecordDate("complaint", date(2026, 4, 27), only_if_absent=True),)
    assert set(made.tell) == {M, INS}
    with pytest.raises(Refused, match=r"closed on Monday 27 April 2026\. To raise.*complaints-about-ofsted"):
        run(
            complaints.FLOW,
            NEW,
            "make",
            P,
            sit("ch-full", date(2026, 3, 3), date(2026, 4, 28), CH_RECORDS),
            text="x",
        )


def test_a_response_to_a_complaint_is_typed_and_told_to_the_provider() -> None:
    day = sit("ch-full", date(2026, 3, 3), date(2026, 4, 22), CH_RECORDS)
    made = {"text": "The evidence was misread", "made_on": "2026-04-21"}
    with pytest.raises(Refused, match="Ofsted's response"):
        complaints.FLOW.apply("made", "respond", M, {"response": "   "}, made, day)
    with pytest.raises(Refused, match="under 4000"):
        complaints.FLOW.apply("made", "respond", M, {"response": "x" * 4001}, made, day)
    done = complaints.FLOW.apply("made", "respond", M, {"response": " We  reviewed it. "}, made, day)
    assert done.state == "responded" and done.tell == (P,)
    assert done.payload == {**made, "response": "We reviewed it.", "responded_on": "2026-04-22"}
    assert "response" in complaints.FLOW.free_text


def test_during_the_visit_concerns_go_to_the_inspector() -> None:
    with pytest.raises(Refused, match="raise concerns with the inspector"):
        run(complaints.FLOW, NEW, "make", P, sit("ch-full", date(2026, 3, 3), date(2026, 3, 3)), text="x")


def test_la_sif_has_no_closing_day_and_the_2014_proposals_no_procedure() -> None:
    sif = sit("la-sif", date(2026, 3, 3), date(2026, 9, 1))
    made = run(complaints.FLOW, NEW, "make", P, sif, text="x")
    assert made.effects == () and made.payload["window_closes"] is None
    with pytest.raises(Refused, match="no complaints procedure"):
        run(
            complaints.FLOW,
            NEW,
            "make",
            P,
            sit("ch-interim-2014", date(2026, 3, 3), date(2026, 3, 10)),
            text="x",
        )


def test_how_to_complain_gives_the_steps_with_their_lines() -> None:
    steps = complaints.STEPS["asa-full"]
    assert len(steps) == 4 and steps[0].source.citation == "003 L1185"
    assert "fifth working day" in complaints.steps_text(KINDS["ch-full"])[-1]
    assert complaints.steps_text(KINDS["ch-interim-2014"]) == ()


# --- survey ----------------------------------------------------------------------------------------


def test_the_survey_goes_out_when_the_kind_says_and_answers_resume() -> None:
    with pytest.raises(Refused, match="once the report"):
        run(survey.FLOW, NEW, "offer", S, sit("asa-full", date(2026, 3, 3), date(2026, 3, 10)))
    ready = sit(
        "asa-full",
        date(2026, 3, 3),
        date(2026, 5, 1),
        {"end": date(2026, 3, 5), "final_report": date(2026, 4, 20)},
    )
    offered = run(survey.FLOW, NEW, "offer", S, ready)
    assert offered.tell == (P,) and survey.next_question(offered.payload) == survey.QUESTIONS[0]
    one = survey.FLOW.apply(
        "offered", "answer", P, {"question": "overall", "value": 4}, offered.payload, ready
    )
    two = survey.FLOW.apply(
        "answering", "answer", P, {"question": "clarity", "value": None}, one.payload, ready
    )
    assert two.payload["answers"] == {"overall": 4, "clarity": None}
    assert survey.next_question(two.payload) == survey.QUESTIONS[2]
    with pytest.raises(Refused, match="1 \\(poor\\) to 5"):
        survey.FLOW.apply("answering", "answer", P, {"question": "conduct", "value": 6}, two.payload, ready)
    done = survey.FLOW.apply("answering", "finish", P, {}, two.payload, ready)
    assert done.payload["answers"] == {"overall": 4, "clarity": None, "conduct": None, "improve": None}
    with pytest.raises(Refused, match="sends no survey"):
        run(
            survey.FLOW,
            NEW,
            "offer",
            M,
            sit("ch-interim-2014", date(2026, 3, 3), date(2026, 5, 1), {"end": date(2026, 3, 3)}),
        )


def test_a_childrens_home_survey_is_offered_again_with_the_final_report_once() -> None:
    """000 L1246: with both the draft and the final report; not twice with the same report."""
    draft = {"end": date(2026, 3, 4), "draft_report": date(2026, 3, 30)}
    offered = run(survey.FLOW, NEW, "offer", S, sit("ch-full", date(2026, 3, 3), date(2026, 3, 30), draft))
    assert offered.payload["offered_with"] == ["draft_report"]
    with pytest.raises(Refused, match="already been offered"):
        survey.FLOW.apply(
            "offered",
            "offer",
            S,
            {},
            offered.payload,
            sit("ch-full", date(2026, 3, 3), date(2026, 3, 31), draft),
        )
    final = sit("ch-full", date(2026, 3, 3), date(2026, 4, 15), {**draft, "final_report": date(2026, 4, 15)})
    assert survey.offer_again(KINDS["ch-full"], final.dates.records, "offered", offered.payload)
    again = survey.FLOW.apply("offered", "offer", S, {}, offered.payload, final)
    assert (
        again.state == "offered" and again.tell == (P,) and again.payload["offered_again_on"] == "2026-04-15"
    )
    assert not survey.offer_again(KINDS["ch-full"], final.dates.records, "offered", again.payload)
    assert not survey.offer_again(KINDS["ch-full"], final.dates.records, "done", offered.payload)
    # asa-full sends it with the final report only (003 L978): no second moment.
    assert not survey.offer_again(KINDS["asa-full"], final.dates.records, "offered", offered.payload)


def test_the_survey_summary_counts_ratings_and_skips_nothing_else() -> None:
    answers = [{"answers": {"overall": 4, "clarity": 2}}, {"answers": {"overall": 5, "clarity": None}}]
    result = survey.summary(answers)
    assert result["surveys"] == 2 and result["overall"] == {"answers": 2, "mean": 4.5}
    assert result["clarity"] == {"answers": 1, "mean": 2.0} and result["conduct"]["mean"] is None


# --- case review -----------------------------------------------------------------------------------


def test_a_case_review_follows_an_inadequate_judgement_and_a_compliance_notice_dates_the_visit() -> None:
    base = {"end": date(2026, 3, 4)}
    with pytest.raises(Refused, match="Nothing recorded"):
        run(
            case_review.FLOW,
            NEW,
            "start",
            S,
            sit("ch-full", date(2026, 3, 3), date(2026, 3, 5), base, "good"),
        )
    manual = run(
        case_review.FLOW, NEW, "start", M, sit("ch-full", date(2026, 3, 3), date(2026, 3, 5), base, "good")
    )
    assert manual.payload["trigger"] == "manual"
    situation = sit("ch-full", date(2026, 3, 3), date(2026, 3, 5), base, "inadequate")
    opened = run(case_review.FLOW, NEW, "start", S, situation)
    assert opened.payload["trigger"] == "inadequate" and opened.payload["due"] == "2026-03-11"
    assert opened.tell == (M,)
    decided = case_review.FLOW.apply(
        "debriefed",
        "decide",
        M,
        {"decision": "compliance_notice", "compliance_date": "2026-04-30"},
        opened.payload,
        situation,
    )
    assert decided.effects == (RecordDate("compliance_date", date(2026, 4, 30)),)
    with pytest.raises(Refused, match="compliance date"):
        case_review.FLOW.apply("debriefed", "decide", M, {"decision": "compliance_notice"}, {}, situation)
    with pytest.raises(Refused, match="Choose a decision"):
        case_review.FLOW.apply("debriefed", "decide", M, {"decision": "shrug"}, {}, situation)


def test_assurance_concerns_prompt_the_inspector_for_the_dcs_email() -> None:
    situation = sit(
        "ch-assurance", date(2026, 3, 3), date(2026, 3, 3), {"end": date(2026, 3, 3)}, concerns=True
    )
    opened = run(case_review.FLOW, NEW, "start", S, situation)
    assert opened.payload["trigger"] == "concerns" and set(opened.tell) == {M, INS}
    assert "Wednesday 4 March 2026" in opened.warnings[0]
    sif = sit("la-sif", date(2026, 3, 3), date(2026, 4, 1), judgement="inadequate")
    with pytest.raises(Refused, match="compliance notice isn't issued"):
        case_review.FLOW.apply(
            "debriefed",
            "decide",
            M,
            {"decision": "compliance_notice", "compliance_date": "2026-05-01"},
            {},
            sif,
        )


def test_an_inadequate_local_authority_opens_no_childrens_home_case_review() -> None:
    """004 L907: an authority judged inadequate gets monitoring visits and a re-inspection; the case
    review, its checklist and its decisions are the children's homes' (000 L1117-1127)."""
    sif = sit("la-sif", date(2026, 3, 3), date(2026, 4, 1), {"end": date(2026, 3, 26)}, "inadequate")
    assert case_review.trigger(KINDS["la-sif"], "inadequate", False) is None
    assert case_review.trigger(KINDS["ch-full"], "inadequate", False) == "inadequate"
    for party in (S, M):
        with pytest.raises(Refused, match="no case review after a local authority"):
            run(case_review.FLOW, NEW, "start", party, sif)


def test_every_checklist_item_and_citation_points_into_its_seed() -> None:
    for kind, items in case_review.CHECKLISTS.items():
        assert items, kind
        for item in items:
            assert item.source.lines and item.source.seed in ("000", "001", "002", "003")


# --- retention -------------------------------------------------------------------------------------


def test_purging_removes_free_text_at_any_depth_and_keeps_the_rest() -> None:
    payload = {
        "text": "words",
        "late": True,
        "documents": [{"file_id": "F1", "name": "reply.pdf"}],
        "answers": {"overall": 4, "improve": "faster"},
    }
    assert purge_payload(payload, comments.FLOW.free_text | survey.FLOW.free_text) == {
        "text": None,
        "late": True,
        "documents": [{"file_id": "F1", "name": None}],
        "answers": {"overall": 4, "improve": None},
    }


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(FLOWS)),
    st.lists(st.tuples(st.text(max_size=12), st.sampled_from(list(Party))), max_size=12),
    st.data(),
)
def test_no_sequence_of_events_reaches_an_undefined_state(
    kind: str, noise: list[tuple[str, Party]], data: st.DataObject
) -> None:
    machine = FLOWS[kind].machine
    events = sorted({m.event for m in machine.moves})
    steps = data.draw(st.lists(st.tuples(st.sampled_from(events), st.sampled_from(list(Party))), max_size=12))
    state = NEW
    for event, party in [*steps, *noise]:
        try:
            state = machine.target(state, event, party)
        except Refused:
            continue
        assert state in machine.states
        assert (state in machine.final) == (not any(machine.events(state, p) for p in Party))


def test_an_approval_abandons_the_visit_it_defers() -> None:
    """A home deferred after inspectors arrive (deferral-policy.md section 2): the recorded start (and any
    recorded end, a COVID-19 visit's call) is cleared before the new planned days are set, so the visit
    begins on its new first day (visit.begins), not on the recorded one."""
    home = Situation(
        KINDS["ch-full"],
        CaseDates(date(2026, 3, 17), date(2026, 3, 18), records={"start": date(2026, 3, 17)}),
        date(2026, 3, 17),
        CAL,
    )
    approved = deferral.FLOW.apply("requested", "approve", M, {"start": "2026-04-14"}, {}, home)
    assert approved.effects == (ClearRecord("start"), SetPlanned(date(2026, 4, 14), date(2026, 4, 15)))
    covid = Situation(
        KINDS["covid-assurance"],
        CaseDates(date(2026, 3, 17), None, records={"notification": date(2026, 3, 16)}),
        date(2026, 3, 16),
        CAL,
    )
    called = deferral.FLOW.apply("requested", "approve", M, {"start": "2026-04-14"}, {}, covid)
    assert called.effects == (ClearRecord("notification"), SetPlanned(date(2026, 4, 14), None))
