"""Several compliance notices on one case (issue 18 item 4c): each has its own compliance date and its own
monitoring visit, "within 5 working days of the date set in the notice" (000 L1397, 003 L1020), one "for
each completion date" (000 L1399, 003 L1022). A second notice adds; it never overwrites the first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from handlers.review import _compliance_visit as review_visit
from store import derived
from store.consistency import case_dates
from store.database import Database
from store.errors import InvalidInput
from store.models import Role
from tests.storefixtures import first_manager
from workflows.calendar import WorkingCalendar
from workflows.calendar_feed import calendar_entries
from workflows.deadlines import LONDON, CaseDates, Deadline, compute_timeline
from workflows.errors import TimelineError
from workflows.kinds import CH_FULL, get_kind
from workflows.notices import NoSuchNotice, key_for, visit_key
from workflows.recording import RecordRefused, check_record
from workflows.reminders import Hours, Recipient, wanted_reminders
from workflows.rules import split_numbered

CAL = WorkingCalendar()
HOURS = Hours(LONDON)
START, END = date(2026, 3, 3), date(2026, 3, 4)


def visits(kind_id: str, **records: date) -> dict[str, Deadline]:
    """The compliance visits of a case of `kind_id` that ended on END with these records."""
    timeline = compute_timeline(get_kind(kind_id), CaseDates(start=None, end=END, records=records), CAL)
    return {d.key: d for d in timeline if d.key.startswith("compliance_visit")}


# --- the rules: one visit per notice, right to the day --------------------------------------------------


def test_two_notices_bring_two_visits_in_a_childrens_home_000_l1397_1399() -> None:
    found = visits("ch-full", compliance_date=date(2026, 5, 1), compliance_date_2=date(2026, 6, 1))
    first, second = found["compliance_visit"], found["compliance_visit_2"]
    # Friday 1 May + 5 working days over the early May bank holiday (Monday 4 May): Monday 11 May.
    assert first.due == date(2026, 5, 11)
    # Monday 1 June + 5 working days: Monday 8 June.
    assert second.due == date(2026, 6, 8)
    assert first.label == "Monitoring visit to check the compliance notice"
    assert second.label == "Monitoring visit to check compliance notice 2"
    assert second.rule == "5 working days after the compliance date set in compliance notice 2"
    assert first.source == second.source
    assert "seed 000 L1397, L1399" in second.source
    assert (second.basis, second.actor.value, second.recordable) == ("recorded", "ofsted", False)


def test_two_notices_bring_two_visits_in_an_adoption_support_agency_003_l1020_1022() -> None:
    found = visits("asa-full", compliance_date=date(2026, 8, 28), compliance_date_2=date(2026, 12, 24))
    # Friday 28 August + 5 working days over the summer bank holiday (Monday 31 August): Monday 7 September.
    assert found["compliance_visit"].due == date(2026, 9, 7)
    # Thursday 24 December + 5 working days over Christmas, Boxing Day (substitute Monday 28 December) and
    # New Year's Day: 29, 30, 31 December, 4 and 5 January.
    assert found["compliance_visit_2"].due == date(2027, 1, 5)
    assert "seed 003 L1020, L1022" in found["compliance_visit_2"].source


def test_each_notice_stands_alone_when_another_is_gone() -> None:
    """Undoing notice 1 leaves notice 2 and its visit, under its own number (numbers never shift)."""
    assert list(visits("ch-full", compliance_date_2=date(2026, 6, 1))) == ["compliance_visit_2"]
    assert visits("ch-full") == {}
    three = visits("ch-full", **{f"compliance_date_{n}": date(2026, 6, n) for n in (2, 3, 10)})
    assert sorted(three) == ["compliance_visit_10", "compliance_visit_2", "compliance_visit_3"]


def test_a_numbered_date_is_refused_where_the_kind_has_no_compliance_notices() -> None:
    with pytest.raises(TimelineError, match="You can't record 'compliance_date_2'"):
        visits("la-sif", compliance_date_2=date(2026, 6, 1))
    # la-sif's own keys that end in a number are not copies of anything.
    assert get_kind("la-sif").occurrence_of("child_data_list_2") == ("child_data_list_2", 1)
    assert split_numbered("compliance_date_02") == ("compliance_date_02", 1)


def test_a_rule_counting_from_a_repeating_date_needs_its_numbered_label() -> None:
    visit = CH_FULL.milestone("compliance_visit")
    assert visit is not None
    unlabelled = tuple(replace(r, numbered_label="") if r is visit else r for r in CH_FULL.milestones)
    with pytest.raises(ValueError, match="compliance_visit counts from a repeating date"):
        replace(CH_FULL, milestones=unlabelled)


# --- recording: the plain key adds, a numbered key corrects ----------------------------------------------


def test_the_plain_key_adds_a_notice_and_the_same_date_is_the_same_notice() -> None:
    kind = get_kind("ch-full")
    may, june = date(2026, 5, 1), date(2026, 6, 1)
    assert key_for(kind, "compliance_date", may, {}) == "compliance_date"
    assert key_for(kind, "compliance_date", june, {"compliance_date": may}) == "compliance_date_2"
    assert key_for(kind, "compliance_date", may, {"compliance_date": may}) == "compliance_date"
    both = {"compliance_date": may, "compliance_date_2": june}
    assert key_for(kind, "compliance_date", june, both) == "compliance_date_2"
    assert key_for(kind, "compliance_date", date(2026, 7, 1), both) == "compliance_date_3"
    # After notice 1 is undone, a new one takes the next number: notice 2 keeps its own.
    assert key_for(kind, "compliance_date", may, {"compliance_date_2": june}) == "compliance_date_3"
    assert key_for(kind, "draft_report", may, both) == "draft_report"  # other keys as they are


def test_a_numbered_key_corrects_that_notice_only_if_it_is_recorded() -> None:
    kind = get_kind("ch-full")
    may, june = date(2026, 5, 1), date(2026, 6, 1)
    both = {"compliance_date": may, "compliance_date_2": june}
    assert key_for(kind, "compliance_date_2", date(2026, 6, 3), both) == "compliance_date_2"
    assert key_for(kind, "compliance_date_1", date(2026, 5, 4), both) == "compliance_date"
    with pytest.raises(NoSuchNotice) as refused:
        key_for(kind, "compliance_date_3", june, both)
    message = str(refused.value)
    assert message.startswith("Compliance date set in compliance notice 3 isn't recorded on this case.")
    assert "Compliance date set in compliance notice 2: Monday 1 June 2026 (compliance_date_2)" in message
    with pytest.raises(NoSuchNotice, match="nothing to correct"):
        key_for(kind, "compliance_date_1", may, {})
    assert isinstance(refused.value, RecordRefused)


def test_a_numbered_compliance_date_is_recordable_and_its_visit_is_not() -> None:
    kind, calendar = get_kind("ch-full"), WorkingCalendar()
    dates = CaseDates(start=date(2026, 3, 3), end=None, records={}, judgement=None, concerns=False)
    today = date(2026, 6, 1)
    assert check_record(kind, "compliance_date_2", date(2027, 1, 5), today, dates, calendar).key == (
        "compliance_date"
    )
    with pytest.raises(RecordRefused, match="compliance notice 2 is planned by Ofsted"):
        check_record(kind, "compliance_visit_2", today, today, dates, calendar)


def test_the_visit_of_the_notice_with_a_date() -> None:
    kind = get_kind("ch-full")
    records = {"compliance_date": date(2026, 5, 1), "compliance_date_2": date(2026, 6, 1)}
    assert visit_key(kind, records, date(2026, 6, 1)) == "compliance_visit_2"
    assert visit_key(kind, records, date(2026, 5, 1)) == "compliance_visit"
    assert visit_key(kind, records, date(2026, 5, 2)) is None


# --- the store: stored deadlines, undo, kind changes -----------------------------------------------------


async def assert_stored_is_computed(db: Database, ref: int) -> list[str]:
    """The stored deadlines equal compute_timeline's; returns the compliance visits' keys."""
    boss = await first_manager(db)
    case = await db.cases.get(boss, ref)
    async with db.reading() as conn:
        stored = await derived.deadlines_of(conn, case.id)
    assert stored == compute_timeline(get_kind(case.kind), case_dates(case), db.calendar)
    return [d.key for d in stored if d.key.startswith("compliance_visit")]


async def test_a_second_notice_adds_and_undo_takes_back_one_at_a_time(db: Database) -> None:
    boss = await first_manager(db)
    ref = (await db.cases.create(boss, "ch-full", "Oak House", START, END)).ref
    first, second = date(2026, 9, 1), date(2026, 9, 15)
    await db.cases.record_event(boss, ref, "compliance_date", first)
    case = await db.cases.record_event(boss, ref, "compliance_date", second)
    assert case.events == {"compliance_date": first, "compliance_date_2": second}
    assert await assert_stored_is_computed(db, ref) == ["compliance_visit", "compliance_visit_2"]

    trail = len(await db.audit.for_case(boss, ref))
    again = await db.cases.record_event(boss, ref, "compliance_date", second)  # the same notice again
    assert again.events == case.events and len(await db.audit.for_case(boss, ref)) == trail

    corrected = await db.cases.record_event(boss, ref, "compliance_date_2", date(2026, 9, 22))
    assert corrected.events == {"compliance_date": first, "compliance_date_2": date(2026, 9, 22)}
    with pytest.raises(InvalidInput, match="compliance notice 3 isn't recorded"):
        await db.cases.record_event(boss, ref, "compliance_date_3", date(2026, 9, 29))
    assert (await db.cases.get(boss, ref)).events == corrected.events

    for events in (
        {"compliance_date": first, "compliance_date_2": second},  # the correction taken back
        {"compliance_date": first},  # notice 2 taken back; notice 1 stays
    ):
        entry = await db.cases.last_recorded(boss, ref)
        assert entry is not None
        undone, _ = await db.cases.undo(boss, ref, entry.id)
        assert undone.events == events
        await assert_stored_is_computed(db, ref)

    await db.cases.record_event(boss, ref, "compliance_date", second)
    cleared = await db.cases.clear_event(boss, ref, "compliance_date")  # notice 1 goes, notice 2 stays
    assert cleared.events == {"compliance_date_2": second}
    assert await assert_stored_is_computed(db, ref) == ["compliance_visit_2"]


async def test_notices_keep_with_a_kind_that_has_them_and_stop_one_that_has_not(db: Database) -> None:
    boss = await first_manager(db)
    ref = (await db.cases.create(boss, "ch-full", "Oak House", START, END)).ref
    await db.cases.record_event(boss, ref, "compliance_date", date(2026, 9, 1))
    await db.cases.record_event(boss, ref, "compliance_date", date(2026, 9, 15))
    assert (await db.cases.set_kind(boss, ref, "ch-assurance")).kind == "ch-assurance"
    assert await assert_stored_is_computed(db, ref) == ["compliance_visit", "compliance_visit_2"]
    with pytest.raises(InvalidInput, match="has no compliance_date, compliance_date_2: undo them first"):
        await db.cases.set_kind(boss, ref, "la-sif")


async def test_the_case_review_names_the_visit_of_its_own_notice(db: Database) -> None:
    """A notice decided at the case review when another is recorded: its own visit is the one said."""
    boss = await first_manager(db)
    ref = (await db.cases.create(boss, "ch-full", "Oak House", START, END)).ref
    await db.cases.record_event(boss, ref, "compliance_date", date(2026, 9, 1))
    case = await db.cases.record_event(boss, ref, "compliance_date", date(2026, 9, 15))
    # Tuesday 15 September + 5 working days: Tuesday 22 September (the first notice's is 8 September).
    said = review_visit(case, CAL, "2026-09-15")
    assert "due by <b>Tuesday 22 September 2026</b>" in said, said
    assert "compliance notice 2" in said
    assert "8 September" in review_visit(case, CAL, "2026-09-01")


def test_each_visit_has_its_own_calendar_entry_with_its_alarms() -> None:
    """The calendar file (/calendar) carries each notice's visit under its own id, with the reminder
    policy's alarms; chat reminders treat every visit as the first (an Ofsted visit nobody records)."""
    records = {"compliance_date": date(2026, 5, 1), "compliance_date_2": date(2026, 6, 1)}
    timeline = compute_timeline(get_kind("ch-full"), CaseDates(start=None, end=END, records=records), CAL)
    entries = calendar_entries(7, Role.MANAGER, timeline, date(2026, 4, 1), CAL, HOURS, "example.org")
    visits_in = {e.key: e for e in entries if e.key.startswith("compliance_visit")}
    assert sorted(visits_in) == ["compliance_visit", "compliance_visit_2"]
    assert visits_in["compliance_visit_2"].uid == "case-7-compliance_visit_2@example.org"
    assert visits_in["compliance_visit_2"].last_day == date(2026, 6, 8)
    assert visits_in["compliance_visit_2"].alarms == visits_in["compliance_visit"].alarms != ()
    people = [Recipient(1, Role.INSPECTOR), Recipient(2, Role.MANAGER)]
    wanted = wanted_reminders(timeline, people, datetime(2026, 4, 1, 9, tzinfo=UTC), HOURS, CAL)
    assert wanted and not [w for w in wanted if w.key.startswith("compliance_visit")]
