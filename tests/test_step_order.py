"""Steps in the order they can happen (issue 18 item 3): what comes after the visit only once it has ended,
no notification for unannounced kinds or once the visit has started, and a Yes/No for what is possible
but odd (a final report before the comments deadline, a visit longer than its kind allows, a case closed
as completed with steps still open)."""

from __future__ import annotations

from datetime import date

import pytest

from workflows import notification
from workflows.actions import available
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates
from workflows.flows import NEW, Party, Refused, Situation
from workflows.kinds import KINDS
from workflows.planning import longest_visit, planned_warnings, visit_length_warning
from workflows.recording import (
    RecordRefused,
    after_visit,
    check_outcome,
    check_record,
    check_steps_follow_visit,
    open_at_close,
    record_warnings,
)

CAL = WorkingCalendar()
TUESDAY = date(2026, 3, 3)  # planned first on-site day; ch-full's 2 days end Wednesday 4 March


def dates(start: date | None = TUESDAY, end: date | None = None, **records: date) -> CaseDates:
    return CaseDates(start=start, end=end, records=records, judgement=None, concerns=False)


# --- which steps come after the visit: decided from the kinds' data ---------------------------------


def test_report_steps_are_the_ones_counted_from_the_end_of_the_visit() -> None:
    full = after_visit(KINDS["ch-full"])
    assert {"draft_report", "provider_comments", "final_report", "publication", "draft_qa"} <= full
    assert "compliance_visit" not in full and "first_inspection_after_manager_left" not in full
    sif = after_visit(KINDS["la-sif"])
    assert {"draft_report", "provider_comments", "final_report_cleared", "prepublication_report"} <= sif
    assert {"improvement_plan", "action_plan", "publication"} <= sif  # counted from publication and on
    assert not {"notification", "annex_a", "child_data_on_arrival", "category_one_response"} & sif
    covid = after_visit(KINDS["covid-assurance"])
    assert {"draft_report", "final_report", "dcs_email"} <= covid
    assert not {"notification", "annex_a_form"} & covid
    assert "notice" not in after_visit(KINDS["asa-full"])
    assert after_visit(KINDS["ch-interim-2014"]) == {"publication", "return_visit"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_refuses_its_report_steps_before_the_visit_ended(kind: str) -> None:
    """The issue's case: `/record 3 draft_report today` on a case whose visit is the week after."""
    today = date(2026, 2, 24)
    for key in after_visit(KINDS[kind]):
        if not KINDS[kind].milestone(key).recordable:  # type: ignore[union-attr]
            continue
        with pytest.raises(RecordRefused) as refused:
            check_record(KINDS[kind], key, today, today, dates(), CAL)
        assert "comes after the visit, which hasn't ended: its last on-site day is" in str(refused.value)


def test_the_draft_waits_for_the_last_on_site_day_and_is_not_dated_before_it() -> None:
    kind = KINDS["ch-full"]
    with pytest.raises(RecordRefused) as refused:
        check_record(kind, "draft_report", TUESDAY, TUESDAY, dates(), CAL)
    assert str(refused.value) == (
        "Draft report sent to the provider comes after the visit, which hasn't ended: its last on-site day "
        "is Wednesday 4 March 2026. Record it once the visit has ended."
    )
    # The visit is over, but a draft dated on its first day can't have happened.
    with pytest.raises(RecordRefused) as refused:
        check_record(kind, "draft_report", TUESDAY, date(2026, 3, 20), dates(), CAL)
    assert str(refused.value) == (
        "Draft report sent to the provider can't be on Tuesday 3 March 2026: it comes after the visit, "
        "whose last on-site day was Wednesday 4 March 2026."
    )
    assert check_record(kind, "draft_report", date(2026, 3, 4), date(2026, 3, 4), dates(), CAL).key
    # The end recorded on the first day: the visit ended then, so the draft may be that day.
    early = CaseDates(start=TUESDAY, end=None, records={"end": TUESDAY}, judgement=None, concerns=False)
    assert check_record(kind, "draft_report", TUESDAY, TUESDAY, early, CAL).key == "draft_report"


def test_a_complaint_is_recorded_from_the_end_of_the_visit_as_it_is_made() -> None:
    """/complain opens at the end of the inspection (workflows.complaints): recording one follows it."""
    monday = date(2026, 3, 2)
    for kind, start in (("ch-full", monday), ("asa-full", monday), ("covid-assurance", TUESDAY)):
        with pytest.raises(RecordRefused, match="Formal complaint made comes after the visit"):
            check_record(KINDS[kind], "complaint", monday, monday, dates(start=start), CAL)
    assert check_record(KINDS["ch-full"], "complaint", date(2026, 3, 4), date(2026, 3, 4), dates(), CAL)


def test_la_sif_fieldwork_and_covid_on_site_day() -> None:
    sif = KINDS["la-sif"]  # 18 working days from Tuesday 3 March: fieldwork ends Thursday 26 March
    with pytest.raises(RecordRefused, match="Thursday 26 March 2026"):
        check_record(sif, "draft_report", date(2026, 3, 20), date(2026, 3, 20), dates(), CAL)
    # What happens before fieldwork ends is recorded as it happens.
    assert check_record(sif, "annex_a", date(2026, 3, 2), date(2026, 3, 2), dates(), CAL).key == "annex_a"
    covid = KINDS["covid-assurance"]  # the call Monday 2 March, on site Tuesday 3 March
    with pytest.raises(RecordRefused, match="Tuesday 3 March 2026"):
        check_record(covid, "draft_report", date(2026, 3, 2), date(2026, 3, 2), dates(), CAL)
    assert check_record(covid, "notification", date(2026, 3, 2), date(2026, 3, 2), dates(), CAL).key
    assert check_record(covid, "draft_report", TUESDAY, TUESDAY, dates(), CAL).key == "draft_report"


def test_the_issue_judgement_waits_for_the_end_of_the_visit() -> None:
    with pytest.raises(RecordRefused, match="once the visit has ended"):
        check_outcome(KINDS["la-sif"], dates(), date(2026, 3, 20), CAL)
    check_outcome(KINDS["la-sif"], dates(), date(2026, 3, 26), CAL)  # no refusal


# --- /notify ------------------------------------------------------------------------------------------


def sit(kind: str, today: date, **records: date) -> Situation:
    return Situation(KINDS[kind], dates(**records), today, CAL)


@pytest.mark.parametrize("kind", ["ch-full", "ch-assurance", "ch-interim-2014"])
def test_unannounced_kinds_have_nothing_to_notify_before_during_or_after(kind: str) -> None:
    for today in (date(2026, 2, 20), TUESDAY, date(2026, 4, 3)):
        refusal = notification.refusal(sit(kind, today))
        assert refusal is not None and refusal.startswith(
            "Children's homes are inspected without notice (000 L534"
        )
        assert refusal.endswith("there is nothing to notify.")
        assert "notify" not in {a.key for a in available(sit(kind, today), Party.INSPECTOR, 1)}
    assert notification.refusal(sit("ch-full", TUESDAY)) == (
        "Children's homes are inspected without notice (000 L534): there is nothing to notify."
    )


def test_announced_kinds_are_notified_until_the_visit_starts() -> None:
    assert notification.refusal(sit("asa-full", date(2026, 3, 2))) is None
    started = notification.refusal(sit("asa-full", TUESDAY))
    assert started == (
        "The visit started on Tuesday 3 March 2026, so the provider already knows of it: there is nothing "
        "to notify. To record the day they were told, send /record with 'notice' and the date."
    )
    # A start recorded earlier than planned counts.
    assert notification.refusal(sit("la-sif", date(2026, 3, 2), start=date(2026, 3, 2))) is not None
    with pytest.raises(Refused, match="The visit started on Tuesday 3 March 2026"):
        notification.FLOW.apply(
            NEW, notification.NOTIFY, Party.INSPECTOR, {"day": "2026-03-02"}, {}, sit("la-sif", TUESDAY)
        )
    assert "notify" not in {a.key for a in available(sit("la-sif", TUESDAY), Party.INSPECTOR, 1)}
    assert "notify" in {a.key for a in available(sit("la-sif", date(2026, 3, 2)), Party.INSPECTOR, 1)}


def test_a_covid_visit_is_notified_by_its_call_on_the_day_before_its_on_site_day() -> None:
    assert notification.refusal(sit("covid-assurance", date(2026, 3, 2))) is None  # the call's day
    assert "started on Tuesday 3 March 2026" in str(notification.refusal(sit("covid-assurance", TUESDAY)))


# --- warnings with Yes/No -----------------------------------------------------------------------------


def test_a_final_report_before_the_comments_deadline_is_asked_first() -> None:
    kind = KINDS["ch-full"]
    draft = date(2026, 3, 20)  # comments due 5 working days later: Friday 27 March
    case = dates(draft_report=draft)
    (warning,) = record_warnings(kind, "final_report", date(2026, 3, 27), case, CAL)
    assert warning.startswith(
        "The provider's comments on the draft are due by Friday 27 March 2026 and none are recorded, so "
        "final report sent to the provider on Friday 27 March 2026 is before their time is up"
    ), warning
    assert "; SCCIF children's homes, Timeframe)" in warning and "L625" not in warning  # staff wording
    assert record_warnings(kind, "final_report", date(2026, 3, 30), case, CAL) == []  # their time is up
    answered = dates(draft_report=draft, provider_comments=date(2026, 3, 23))
    assert record_warnings(kind, "final_report", date(2026, 3, 24), answered, CAL) == []
    assert record_warnings(kind, "publication", date(2026, 3, 24), case, CAL) == []
    # la-sif's stages of the final report too
    sif = dates(draft_report=date(2026, 4, 20))
    assert record_warnings(KINDS["la-sif"], "final_report_agreed", date(2026, 4, 21), sif, CAL)


def test_a_visit_longer_than_its_kind_allows_is_asked_first() -> None:
    assert [longest_visit(KINDS[k]) for k in ("ch-full", "ch-assurance", "asa-full", "covid-assurance")] == [
        4,
        2,
        3,
        1,
    ]
    assert longest_visit(KINDS["la-sif"]) == 18
    assert visit_length_warning(KINDS["ch-full"], TUESDAY, date(2026, 3, 6), CAL) is None  # 4 days
    five = visit_length_warning(KINDS["ch-full"], TUESDAY, date(2026, 3, 9), CAL)
    assert five == (
        "Tuesday 3 March 2026 to Monday 9 March 2026 is 5 working days on site; a children's home: full "
        "inspection usually has at most 4 working days on site (for a multi-building home; 000 L592, L594, "
        "L596, L621)."
    )
    assert "at most 1 working day on site" in str(
        visit_length_warning(KINDS["ch-interim-2014"], TUESDAY, date(2026, 3, 4), CAL)
    )
    assert visit_length_warning(KINDS["ch-full"], TUESDAY, None, CAL) is None
    # /newcase's confirmation and /record end ask the same
    assert five in planned_warnings(KINDS["ch-full"], TUESDAY, date(2026, 3, 9), TUESDAY, CAL)
    assert record_warnings(KINDS["ch-full"], "end", date(2026, 3, 9), dates(), CAL) == [five]
    assert record_warnings(KINDS["ch-full"], "end", date(2026, 3, 4), dates(), CAL) == []


def test_closing_as_completed_names_the_steps_still_open() -> None:
    kind = KINDS["ch-full"]
    still = [d.key for d in open_at_close(kind, dates(), CAL)]
    assert "draft_report" in still and "publication" in still
    assert "complaint_window" not in still and "return_visit" not in still  # windows and Ofsted's visits
    done = {d.key: date(2026, 4, 1) for d in open_at_close(kind, dates(), CAL)}
    assert open_at_close(kind, dates(**done), CAL) == []


def test_the_visit_cant_move_after_the_steps_recorded_after_it() -> None:
    """The draft (recorded 10 March, after the visit of 3-4 March) pins the visit: planned days moved later,
    or a visit that would not have ended, are refused (issue 18 loose end 3)."""
    kind, today = KINDS["ch-full"], date(2026, 3, 20)
    drafted = {"draft_report": date(2026, 3, 10)}
    check_steps_follow_visit(kind, dates(**drafted), today, CAL)  # as recorded: fine
    check_steps_follow_visit(kind, dates(date(2026, 3, 9), date(2026, 3, 10), **drafted), today, CAL)
    with pytest.raises(RecordRefused, match="whose last on-site day would then be Tuesday 17 March 2026"):
        check_steps_follow_visit(kind, dates(date(2026, 3, 16), date(2026, 3, 17), **drafted), today, CAL)
    with pytest.raises(RecordRefused, match="which would then not have ended"):
        check_steps_follow_visit(kind, dates(date(2026, 3, 23), None, **drafted), today, CAL)
    complained = {"complaint": date(2026, 3, 5)}
    with pytest.raises(RecordRefused, match="Formal complaint made is recorded on Thursday 5 March 2026"):
        check_steps_follow_visit(kind, dates(date(2026, 3, 5), date(2026, 3, 6), **complained), today, CAL)


def test_help_offers_a_report_step_only_once_it_can_be_recorded() -> None:
    """/help's "What you can do now" names no report step while the visit is on: /record would refuse it
    (issue 18 loose end 4). From the last on-site day (the feedback day) it is offered with its due date."""
    during = available(sit("ch-full", TUESDAY), Party.INSPECTOR, 1)
    assert [a for a in during if a.key == "record"] == [], during
    last_day = [
        a for a in available(sit("ch-full", date(2026, 3, 4)), Party.INSPECTOR, 1) if a.key == "record"
    ]
    assert [(a.what, a.last_day) for a in last_day] == [
        ("record: inspection evidence and report submitted for quality assurance", date(2026, 3, 11))
    ]
