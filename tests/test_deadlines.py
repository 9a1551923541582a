"""From dates to deadlines: chaining, conditions, validation, bank holidays and the clock change."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from workflows.calendar import WorkingCalendar
from workflows.deadlines import (
    CaseDates,
    Deadline,
    compute_timeline,
    next_deadline,
    on_site_days,
    overdue,
)
from workflows.errors import TimelineError
from workflows.kinds import get_kind
from workflows.rules import Actor

CAL = WorkingCalendar()


def timeline(kind_id: str, **fields: object) -> dict[str, Deadline]:
    values: dict[str, object] = {"start": None, "end": None, **fields}
    dates = CaseDates(**values)  # type: ignore[arg-type]
    return {d.key: d for d in compute_timeline(get_kind(kind_id), dates, CAL)}


# --- On-site days ---------------------------------------------------------------------------------


def test_end_follows_from_start_and_start_from_end() -> None:
    kind = get_kind("ch-full")
    assert on_site_days(kind, CaseDates(start=date(2026, 3, 6), end=None), CAL) == (
        date(2026, 3, 6),
        date(2026, 3, 9),  # two on-site days over a weekend: Friday and Monday
    )
    assert on_site_days(kind, CaseDates(start=None, end=date(2026, 3, 9)), CAL) == (
        date(2026, 3, 6),
        date(2026, 3, 9),
    )
    sif = get_kind("la-sif")
    assert on_site_days(sif, CaseDates(start=date(2026, 3, 3), end=None), CAL)[1] == date(2026, 3, 26)


def test_la_sif_ends_on_the_thursday_of_week_four_across_a_bank_holiday() -> None:
    """004 L202, L753, L756: the team leaves on the Thursday of week four (day 19). Fieldwork from Tuesday
    12 May 2026 spans the bank holiday of Monday 25 May: 18 working days gave Friday 5 June, a day late."""
    sif = get_kind("la-sif")
    start, thursday = date(2026, 5, 12), date(2026, 6, 4)
    assert date(2026, 5, 25) in CAL.bank_holidays(2026)
    assert on_site_days(sif, CaseDates(start=start, end=None), CAL) == (start, thursday)
    assert on_site_days(sif, CaseDates(start=None, end=thursday), CAL) == (start, thursday)
    planned = {d.key: d for d in compute_timeline(sif, CaseDates(start=start, end=None), CAL)}
    given = {d.key: d for d in compute_timeline(sif, CaseDates(start=start, end=thursday), CAL)}
    # Every date counted from the end follows the Thursday: the draft is 20 working days after it.
    assert planned["draft_report"].due == given["draft_report"].due == CAL.add_working_days(thursday, 20)
    assert {k: d.due for k, d in planned.items()} == {k: d.due for k, d in given.items()}


def test_one_day_visit_on_a_weekend_ends_that_day() -> None:
    saturday = date(2026, 3, 7)
    assert on_site_days(get_kind("ch-assurance"), CaseDates(start=saturday, end=None), CAL) == (
        saturday,
        saturday,
    )


def test_recorded_end_overrides_the_planned_one() -> None:
    planned = timeline("ch-full", start=date(2026, 3, 3))
    later = timeline("ch-full", start=date(2026, 3, 3), records={"end": date(2026, 3, 6)})
    # ended two working days later than planned: every end-anchored deadline moves two working days
    assert CAL.working_days_between(planned["draft_report"].due, later["draft_report"].due) == 2
    assert later["draft_report"].basis == "recorded"
    assert planned["draft_report"].basis == "planned"
    assert later["draft_report"].due == date(2026, 4, 1)


def test_recorded_start_moves_a_derived_end() -> None:
    moved = timeline("ch-full", start=date(2026, 3, 3), records={"start": date(2026, 3, 10)})
    assert moved["draft_report"].due == CAL.add_working_days(date(2026, 3, 11), 18)


# --- Chaining -------------------------------------------------------------------------------------


def test_comments_chain_from_the_recorded_draft() -> None:
    planned = timeline("ch-full", end=date(2026, 3, 4))
    assert planned["draft_report"].due == date(2026, 3, 30)
    assert planned["provider_comments"].due == date(2026, 4, 8)  # over Easter 2026
    sent_early = timeline("ch-full", end=date(2026, 3, 4), records={"draft_report": date(2026, 3, 20)})
    assert sent_early["draft_report"].recorded == date(2026, 3, 20)
    assert sent_early["draft_report"].due == date(2026, 3, 30)  # the deadline it met is unchanged
    assert sent_early["provider_comments"].due == date(2026, 3, 27)
    assert sent_early["provider_comments"].basis == "recorded"
    # what does not count from the draft stays put
    assert sent_early["final_report"].due == planned["final_report"].due


def test_la_sif_chain_from_a_late_draft() -> None:
    late = timeline("la-sif", start=date(2026, 1, 6), records={"draft_report": date(2026, 3, 2)})
    assert late["provider_comments"].due == date(2026, 3, 10)
    assert late["provider_comments"].time == time(9, 30)


def test_asa_publication_chains_from_the_final_report() -> None:
    sent = timeline("asa-full", end=date(2026, 3, 5), records={"final_report": date(2026, 4, 1)})
    assert sent["publication"].due == date(2026, 4, 10)  # 5 working days over Easter 2026


def test_a_notification_record_moves_the_la_sif_data_deadlines() -> None:
    moved = timeline("la-sif", start=date(2026, 1, 6), records={"notification": date(2026, 1, 6)})
    assert moved["annex_a"].due == date(2026, 1, 12)


# --- Conditions -----------------------------------------------------------------------------------


def test_inadequate_milestones_only_when_inadequate() -> None:
    good = timeline("ch-full", end=date(2026, 3, 4), judgement="good")
    assert "case_review" not in good and "return_visit" not in good
    bad = timeline("ch-full", end=date(2026, 3, 4), judgement="inadequate")
    assert bad["case_review"].due == date(2026, 3, 11)
    assert bad["case_review"].actor is Actor.MANAGER
    assert (bad["return_visit"].due, bad["return_visit"].due_until) == (date(2026, 4, 15), date(2026, 4, 29))


def test_concerns_milestones_only_with_concerns() -> None:
    calm = timeline("ch-assurance", end=date(2026, 3, 4))
    assert not {"dcs_email", "case_review", "return_visit"} & set(calm)
    worried = timeline("ch-assurance", end=date(2026, 3, 4), concerns=True)
    assert worried["dcs_email"].due == date(2026, 3, 5)
    assert worried["dcs_email"].actor is Actor.INSPECTOR
    assert worried["case_review"].due == date(2026, 3, 11)


def test_a_recorded_conditional_milestone_is_shown_anyway() -> None:
    shown = timeline("ch-full", end=date(2026, 3, 4), records={"case_review": date(2026, 3, 6)})
    assert shown["case_review"].recorded == date(2026, 3, 6)


def test_compliance_visit_only_once_the_compliance_date_is_recorded() -> None:
    assert "compliance_visit" not in timeline("ch-full", end=date(2026, 3, 4))
    with_notice = timeline("ch-full", end=date(2026, 3, 4), records={"compliance_date": date(2026, 5, 1)})
    assert with_notice["compliance_visit"].due == date(2026, 5, 11)  # over the early May bank holiday
    assert with_notice["compliance_visit"].basis == "recorded"


def test_asa_reinspection_window_in_months() -> None:
    bad = timeline("asa-full", end=date(2025, 8, 31), judgement="inadequate")
    assert (bad["reinspection"].due, bad["reinspection"].due_until) == (date(2026, 2, 28), date(2026, 8, 31))


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind_id", "fields", "message"),
    [
        ("ch-full", {}, "Give the first on-site day or the last on-site day"),
        ("ch-full", {"start": date(2026, 3, 3), "end": date(2026, 3, 2)}, "is before the first"),
        ("ch-full", {"start": date(2026, 3, 3), "records": {"end": date(2026, 3, 1)}}, "is before the first"),
        (
            "ch-full",
            {"start": date(2026, 3, 3), "records": {"draft": date(2026, 3, 9)}},
            "can't record 'draft'",
        ),
        (
            "la-sif",
            {"start": date(2026, 3, 3), "records": {"compliance_date": date(2026, 3, 9)}},
            "can't record",
        ),
        ("ch-full", {"start": date(2026, 3, 3), "judgement": "poor"}, "'poor' is not a judgement"),
        ("ch-assurance", {"start": date(2026, 3, 3), "judgement": "good"}, "is not graded"),
        ("ch-full", {"start": date(2026, 3, 3), "concerns": True}, "is graded, not judged"),
    ],
)
def test_bad_input_is_one_clear_timeline_error(kind_id: str, fields: dict[str, object], message: str) -> None:
    with pytest.raises(TimelineError, match=message) as caught:
        timeline(kind_id, **fields)
    assert "\n" not in str(caught.value)


# --- Across bank holidays (dates worked out by hand) -----------------------------------------------


def test_ch_full_across_the_queens_funeral() -> None:
    # end Wednesday 14 September 2022; Monday 19 September was a bank holiday
    dates = timeline("ch-full", end=date(2022, 9, 14))
    assert dates["evidence_upload"].due == date(2022, 9, 22)
    assert dates["draft_report"].due == date(2022, 10, 11)


def test_ch_full_across_ve_day_2020() -> None:
    # the early May bank holiday moved to Friday 8 May 2020; Monday 4 May was a working day
    dates = timeline("ch-full", end=date(2020, 5, 4))
    assert dates["evidence_upload"].due == date(2020, 5, 12)


def test_la_sif_across_the_platinum_jubilee() -> None:
    # end of fieldwork Thursday 19 May 2022; 2 and 3 June 2022 were bank holidays
    dates = timeline("la-sif", end=date(2022, 5, 19))
    assert (dates["draft_report"].due, dates["draft_report"].time) == (date(2022, 6, 20), time(17, 0))
    assert (dates["provider_comments"].due, dates["provider_comments"].time) == (
        date(2022, 6, 28),
        time(9, 30),
    )


def test_asa_full_across_the_coronation() -> None:
    # end Thursday 4 May 2023; Monday 8 May 2023 was a bank holiday
    dates = timeline("asa-full", end=date(2023, 5, 4), judgement="inadequate")
    assert dates["ofsted_contact"].due == date(2023, 5, 5)
    assert dates["case_review"].due == date(2023, 5, 12)


def test_ch_assurance_across_easter() -> None:
    # end Tuesday 31 March 2026; Good Friday 3 April and Easter Monday 6 April
    dates = timeline("ch-assurance", end=date(2026, 3, 31), concerns=True)
    assert dates["dcs_email"].due == date(2026, 4, 1)
    assert dates["case_review"].due == date(2026, 4, 9)


def test_ch_full_across_christmas_with_substitute_days() -> None:
    # end Wednesday 23 December 2026: 25 December, Monday 28 (Boxing Day substitute), 1 January
    dates = timeline("ch-full", end=date(2026, 12, 23))
    assert dates["evidence_upload"].due == date(2027, 1, 4)


def test_covid_visit_across_christmas_2020() -> None:
    # end Wednesday 16 December 2020: 25 December, Monday 28 (Boxing Day substitute), 1 January
    dates = timeline("covid-assurance", end=date(2020, 12, 16))
    assert dates["draft_report"].due == date(2021, 1, 14)
    # announced the working day before the visit, 9am; Annex A by 2pm that day
    assert (dates["notification"].due, dates["notification"].time) == (date(2020, 12, 15), time(9, 0))
    assert (dates["annex_a_form"].due, dates["annex_a_form"].time) == (date(2020, 12, 15), time(14, 0))


def test_operator_closures_move_deadlines() -> None:
    closed = WorkingCalendar(closures=[date(2026, 3, 5)])
    dates = CaseDates(start=None, end=date(2026, 3, 4))
    by_key = {d.key: d for d in compute_timeline(get_kind("ch-full"), dates, closed)}
    assert by_key["evidence_upload"].due == date(2026, 3, 12)


# --- The clock change -----------------------------------------------------------------------------


def test_deadline_times_are_london_wall_clock_across_the_clock_change() -> None:
    # end of fieldwork Thursday 12 March 2026 (GMT); the draft is due after the clocks go forward (BST)
    dates = timeline("la-sif", end=date(2026, 3, 12))
    draft = dates["draft_report"]
    assert draft.due == date(2026, 4, 13)
    moment = draft.due_at()
    assert (moment.hour, moment.minute) == (17, 0)
    assert moment.utcoffset() == timedelta(hours=1)
    notice = dates["notification"].due_at()
    assert (notice.hour, notice.minute, notice.utcoffset()) == (9, 30, timedelta(0))


def test_a_deadline_without_a_time_is_due_by_the_end_of_the_day() -> None:
    final = timeline("ch-full", end=date(2026, 10, 21))["final_report"]
    moment = final.due_at()
    assert final.due == date(2026, 12, 2)
    assert (moment.date(), moment.hour, moment.minute, moment.utcoffset()) == (
        final.due,
        23,
        59,
        timedelta(0),
    )


def test_window_falls_due_at_its_far_end() -> None:
    visit = timeline("ch-full", end=date(2026, 3, 4), judgement="inadequate")["return_visit"]
    assert visit.due_at().date() == date(2026, 4, 29)
    assert visit.last_day == date(2026, 4, 29)


# --- Next and overdue -----------------------------------------------------------------------------


def test_sorted_by_due_date_then_time() -> None:
    deadlines = compute_timeline(
        get_kind("covid-assurance"), CaseDates(start=date(2026, 3, 3), end=None), CAL
    )
    keys = [d.key for d in deadlines]
    assert keys[:2] == ["notification", "annex_a_form"]
    assert [d.due for d in deadlines] == sorted(d.due for d in deadlines)


def test_next_deadline_and_overdue() -> None:
    # quality assurance (000 L623, table days 5 to 8) done too, so only the two below are late
    records = {"evidence_upload": date(2026, 3, 6), "draft_qa": date(2026, 3, 9)}
    dates = CaseDates(start=None, end=date(2026, 3, 4), records=records, judgement="inadequate")
    deadlines = compute_timeline(get_kind("ch-full"), dates, CAL)
    today = date(2026, 3, 31)
    upcoming = next_deadline(deadlines, today)
    assert upcoming is not None and upcoming.key == "provider_comments"
    assert [d.key for d in overdue(deadlines, today)] == ["case_review", "draft_report"]
    assert next_deadline(deadlines, date(2026, 3, 11)) is not None
    assert next_deadline(deadlines, date(2026, 3, 11)).key == "case_review"  # type: ignore[union-attr]
    assert next_deadline(deadlines, date(2027, 1, 1)) is None


def test_an_open_window_is_next_not_overdue() -> None:
    dates = CaseDates(start=None, end=date(2026, 3, 4), judgement="inadequate")
    deadlines = compute_timeline(get_kind("ch-full"), dates, CAL)
    today = date(2026, 4, 28)  # inside the 6 to 8 week window
    assert "return_visit" not in [d.key for d in overdue(deadlines, today)]
    assert next_deadline(deadlines, today) is not None
    assert next_deadline(deadlines, today).key == "return_visit"  # type: ignore[union-attr]


def test_a_record_before_the_event_it_follows_is_refused() -> None:
    kind = get_kind("ch-full")
    dates = CaseDates(
        start=date(2026, 3, 3), end=None, records={"end": date(2026, 3, 4), "draft_report": date(2026, 3, 2)}
    )
    with pytest.raises(TimelineError) as refused:
        compute_timeline(kind, dates, WorkingCalendar())
    assert str(refused.value) == (
        "Draft report sent to the provider can't have happened on Monday 2 March 2026: "
        "that is before the end of the inspection (Wednesday 4 March 2026)."
    )


def test_a_record_on_the_day_of_its_anchor_or_after_a_planned_one_is_accepted() -> None:
    kind = get_kind("ch-full")
    calendar = WorkingCalendar()
    same_day = CaseDates(
        start=None, end=None, records={"end": date(2026, 3, 4), "draft_report": date(2026, 3, 4)}
    )
    assert compute_timeline(kind, same_day, calendar)
    # Only recorded anchors are checked: a planned end may simply have been wrong.
    planned = CaseDates(start=date(2026, 3, 3), end=None, records={"draft_report": date(2026, 3, 2)})
    assert compute_timeline(kind, planned, calendar)
