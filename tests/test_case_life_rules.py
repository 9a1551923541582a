"""The pure rules behind a case's life: what may be recorded when, lateness, changes between timelines,
what each role sees, finding cases by name, dates inside sentences, "what if" questions, deadlines that
are missed (and windows that just end), and the calendar's year range.

Expected dates are worked out by hand from the England and Wales bank holidays: Good Friday 3 April 2026,
Easter Monday 6 April 2026, Early May bank holiday 4 May 2026, Christmas Day Friday 25 December 2026,
Boxing Day Saturday 26 December 2026 (substitute Monday 28 December), New Year's Day Friday 1 January 2027.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from workflows.access import Role
from workflows.audience import INTERNAL_KEYS, is_mine, sees, sees_sources, shown
from workflows.calendar import WorkingCalendar, check_in_range
from workflows.changes import Change, ChangeKind, diff
from workflows.dates import find_date, parse_date
from workflows.deadlines import CaseDates, Deadline, compute_timeline, overdue
from workflows.errors import DateOutOfRange, DateParseError, TimelineError
from workflows.kinds import KINDS
from workflows.lateness import Distance, When, distance
from workflows.names import in_text, typed
from workflows.recording import Nature, Recordable, RecordRefused, check_outcome, check_record, recordables
from workflows.rules import Actor
from workflows.whatif import DatedQuestion, recompute, split, supposed_event

CAL = WorkingCalendar()
TODAY = date(2026, 6, 1)  # a Monday
#: A visit long over by TODAY (even la-sif's 18 on-site days from 3 March end in March).
VISITED = CaseDates(start=date(2026, 3, 3), end=None, records={}, judgement=None, concerns=False)


# --- workflows/recording.py ------------------------------------------------------------------------------

H, S, OC = Nature.HAPPENED, Nature.SET, Nature.OUTCOME


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "ch-full",
            [
                ("start", H), ("end", H), ("evidence_upload", H), ("draft_qa", H), ("draft_report", H),
                ("provider_comments", H), ("final_report", H), ("complaint", H), ("publication", H),
                ("case_review", H), ("compliance_date", S), ("manager_left", S), ("judgement", OC),
            ],
        ),
        (
            "ch-assurance",
            [
                ("start", H), ("end", H), ("evidence_upload", H), ("draft_qa", H), ("draft_report", H),
                ("provider_comments", H), ("final_report", H), ("complaint", H), ("publication", H),
                ("dcs_email", H), ("case_review", H), ("compliance_date", S), ("concerns", OC),
            ],
        ),
        (
            "asa-full",
            [
                ("start", H), ("end", H), ("notice", H), ("ofsted_contact", H),
                ("evidence_upload", H), ("draft_qa", H), ("case_review", H), ("draft_report", H),
                ("provider_comments", H), ("complaint", H), ("complaint_response", H),
                ("final_report", H), ("publication", H), ("compliance_date", S), ("judgement", OC),
            ],
        ),
        (
            "covid-assurance",
            [
                ("start", H), ("end", H), ("notification", H), ("annex_a_form", H), ("dcs_email", H),
                ("draft_qa", H), ("case_review", H), ("draft_report", H), ("provider_comments", H),
                ("final_report", H), ("complaint", H), ("publication", H), ("concerns", OC),
            ],
        ),
        (
            "la-sif",
            [
                ("start", H), ("end", H), ("notification", H), ("annex_a", H), ("case_audits", H),
                ("child_data_on_arrival", H), ("child_data_lists_8_11", H),
                ("missing_children_overview", H), ("sea_week_one", H), ("tracked_cases_named", H),
                ("tracked_case_documents", H), ("sea_complete", H), ("child_data_list_2", H),
                ("child_data_stage_2_lists_4_7", H), ("child_data_remainder", H), ("observation_list", H),
                ("consents", H), ("category_one_response", H), ("draft_report", H), ("provider_comments", H),
                ("final_report_agreed", H), ("final_report_qar", H), ("final_report_regional_director", H),
                ("final_report_cleared", H), ("prepublication_report", H), ("publication", H),
                ("evidence_notebooks", H), ("improvement_plan", H), ("action_plan", H),
                ("category_one_case", S), ("judgement", OC),
            ],
        ),
        ("ch-interim-2014", [("start", H), ("end", H), ("publication", H), ("judgement", OC)]),
    ],
)  # fmt: skip
def test_recordables_of_each_kind_in_order_with_their_nature(
    kind: str, expected: list[tuple[str, Nature]]
) -> None:
    assert [(item.key, item.nature) for item in recordables(KINDS[kind])] == expected


def test_recordables_carry_chat_labels_for_events_and_milestones() -> None:
    labels = {item.key: item.label for item in recordables(KINDS["ch-full"])}
    assert labels["start"] == "First on-site day"
    assert labels["end"] == "Visit ended (feedback given)"
    assert labels["complaint"] == "Formal complaint made"
    assert labels["draft_report"] == "Draft report sent to the provider"
    assert labels["compliance_date"] == "Compliance date set in a compliance notice"
    assert labels["judgement"] == "Judgement"
    assert {i.key: i.label for i in recordables(KINDS["ch-assurance"])}["concerns"] == (
        "Serious or widespread concerns"
    )


@pytest.mark.parametrize(
    ("kind", "key", "day", "expected"),
    [
        ("ch-full", "end", TODAY, Recordable("end", "Visit ended (feedback given)", H)),
        ("ch-full", "end", date(2026, 5, 29), Recordable("end", "Visit ended (feedback given)", H)),
        ("ch-full", "complaint", TODAY, Recordable("complaint", "Formal complaint made", H)),
        (
            "ch-full",
            "compliance_date",
            date(2026, 9, 1),
            Recordable("compliance_date", "Compliance date set in a compliance notice", S),
        ),
        (
            "ch-assurance",
            "compliance_date",
            date(2099, 12, 31),
            Recordable("compliance_date", "Compliance date set in a compliance notice", S),
        ),
        (
            "la-sif",
            "improvement_plan",
            TODAY,
            Recordable("improvement_plan", "Improvement plan sent to Ofsted", H),
        ),
    ],
)
def test_check_record_accepts_past_happenings_and_future_set_dates(
    kind: str, key: str, day: date, expected: Recordable
) -> None:
    assert check_record(KINDS[kind], key, day, TODAY, VISITED, CAL) == expected


@pytest.mark.parametrize(
    ("kind", "key", "day", "message"),
    [
        (
            "ch-full",
            "end",
            date(2026, 6, 2),
            "Visit ended (feedback given) on Tuesday 2 June 2026 is in the future. "
            "Record things once they have happened.",
        ),
        (
            "ch-full",
            "complaint",
            date(2026, 6, 2),
            "Formal complaint made on Tuesday 2 June 2026 is in the future. "
            "Record things once they have happened.",
        ),
        (
            "ch-full",
            "draft_report",
            date(2027, 1, 5),
            "Draft report sent to the provider on Tuesday 5 January 2027 is in the future. "
            "Record things once they have happened.",
        ),
        (
            "ch-full",
            "complaint_window",
            date(2026, 5, 1),
            "Last day for a formal complaint is a window, not something anyone does: it stays open until "
            "its last day. To record a complaint that was made, record 'complaint' with its date.",
        ),
        (
            "ch-full",
            "return_visit",
            date(2026, 5, 1),
            "Return visit (monitoring visit or full inspection) is planned by Ofsted, not something recorded "
            "as done here: it shows until its window ends.",
        ),
        (
            "ch-assurance",
            "compliance_visit",
            date(2026, 5, 1),
            "Monitoring visit to check the compliance notice is planned by Ofsted, not something recorded "
            "as done here: it shows until its window ends.",
        ),
        (
            "asa-full",
            "reinspection",
            date(2026, 5, 1),
            "Full inspection after an inadequate judgement (usually) is planned by Ofsted, not something "
            "recorded as done here: it shows until its window ends.",
        ),
        (
            "ch-interim-2014",
            "complaint",
            date(2026, 5, 1),
            "'complaint' isn't something I can record for a children's home: interim inspection (2014 "
            "proposals). You can record: start, end, publication, judgement.",
        ),
    ],
)
def test_check_record_refuses_the_future_windows_and_ofsted_visits_with_a_sentence(
    kind: str, key: str, day: date, message: str
) -> None:
    with pytest.raises(RecordRefused) as refused:
        check_record(KINDS[kind], key, day, TODAY, VISITED, CAL)
    assert str(refused.value) == message
    assert isinstance(refused.value, TimelineError)


def test_an_unknown_key_is_cut_to_40_characters_in_the_refusal() -> None:
    with pytest.raises(RecordRefused) as refused:
        check_record(KINDS["ch-interim-2014"], "x" * 100, TODAY, TODAY, VISITED, CAL)
    assert str(refused.value).startswith("'" + "x" * 40 + "' isn't something")


def dates(first: date | None, last: date | None = None, /, **records: date) -> CaseDates:
    return CaseDates(start=first, end=last, records=records, judgement=None, concerns=False)


@pytest.mark.parametrize(
    ("kind", "case", "today", "last_day"),
    [
        # on site Tuesday 3 and Wednesday 4 March: not ended on the first day
        ("ch-full", dates(date(2026, 3, 3)), date(2026, 3, 3), "Wednesday 4 March 2026"),
        ("ch-full", dates(date(2026, 3, 3)), date(2026, 3, 2), "Wednesday 4 March 2026"),
        # a recorded first day beats the planned one
        (
            "ch-full",
            dates(date(2026, 3, 3), start=date(2026, 3, 10)),
            date(2026, 3, 10),
            "Wednesday 11 March 2026",
        ),
        ("asa-full", dates(None, date(2026, 4, 8)), date(2026, 4, 7), "Wednesday 8 April 2026"),
    ],
)
def test_a_judgement_is_refused_before_the_visit_has_ended(
    kind: str, case: CaseDates, today: date, last_day: str
) -> None:
    with pytest.raises(RecordRefused) as refused:
        check_outcome(KINDS[kind], case, today, CAL)
    assert str(refused.value) == (
        f"A judgement can only be recorded once the visit has ended: its last on-site day is {last_day}."
    )


def test_concerns_are_refused_before_the_visit_ended_with_their_own_wording() -> None:
    with pytest.raises(RecordRefused) as refused:
        check_outcome(KINDS["ch-assurance"], dates(date(2026, 3, 3)), date(2026, 3, 2), CAL)
    assert str(refused.value) == (
        "Whether there were serious or widespread concerns can only be recorded once the visit has "
        "ended: its last on-site day is Tuesday 3 March 2026."
    )


@pytest.mark.parametrize(
    ("kind", "case", "today"),
    [
        ("ch-full", dates(date(2026, 3, 3)), date(2026, 3, 4)),
        ("ch-full", dates(date(2026, 3, 3)), date(2026, 6, 1)),
        # the end recorded on the first day: ended, though two days were planned
        ("ch-full", dates(date(2026, 3, 3), end=date(2026, 3, 3)), date(2026, 3, 3)),
        ("asa-full", dates(None, date(2026, 4, 8)), date(2026, 4, 8)),
        ("ch-assurance", dates(date(2026, 3, 3)), date(2026, 3, 3)),
    ],
)
def test_an_outcome_is_accepted_once_the_visit_has_ended(kind: str, case: CaseDates, today: date) -> None:
    check_outcome(KINDS[kind], case, today, CAL)  # raises when refused


# --- workflows/lateness.py -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "today", "expected", "text"),
    [
        (date(2026, 3, 2), date(2026, 3, 2), Distance(When.TODAY, 0), "today"),
        (date(2026, 3, 7), date(2026, 3, 7), Distance(When.TODAY, 0), "today"),  # even on a Saturday
        (date(2026, 3, 3), date(2026, 3, 2), Distance(When.AHEAD, 1), "1 working day from today"),
        (date(2026, 3, 9), date(2026, 3, 2), Distance(When.AHEAD, 5), "5 working days from today"),
        (date(2026, 3, 9), date(2026, 3, 7), Distance(When.AHEAD, 1), "1 working day from today"),
        (date(2026, 3, 7), date(2026, 3, 6), Distance(When.AHEAD, 0), "before the next working day"),
        (date(2026, 3, 8), date(2026, 3, 7), Distance(When.AHEAD, 0), "before the next working day"),
        # Easter 2026: from Thursday 2 April the next working day is Tuesday 7 April
        (date(2026, 4, 7), date(2026, 4, 2), Distance(When.AHEAD, 1), "1 working day from today"),
        (date(2026, 4, 6), date(2026, 4, 2), Distance(When.AHEAD, 0), "before the next working day"),
        # Christmas 2026: 25 (Fri), 28 (substitute Mon) and 1 January 2027 are bank holidays
        (date(2026, 12, 28), date(2026, 12, 24), Distance(When.AHEAD, 0), "before the next working day"),
        (date(2027, 1, 5), date(2026, 12, 24), Distance(When.AHEAD, 5), "5 working days from today"),
        # late: working days since the due day, not counting it
        (date(2026, 3, 2), date(2026, 3, 7), Distance(When.LATE, -4), "4 working days late"),
        (date(2026, 3, 2), date(2026, 3, 3), Distance(When.LATE, -1), "1 working day late"),
        (date(2026, 3, 6), date(2026, 3, 7), Distance(When.LATE, 0), "overdue"),
        (date(2026, 3, 6), date(2026, 3, 8), Distance(When.LATE, 0), "overdue"),
        (date(2026, 3, 6), date(2026, 3, 9), Distance(When.LATE, -1), "1 working day late"),
        (date(2026, 4, 2), date(2026, 4, 6), Distance(When.LATE, 0), "overdue"),
        (date(2026, 4, 2), date(2026, 4, 7), Distance(When.LATE, -1), "1 working day late"),
        (date(2026, 12, 24), date(2026, 12, 28), Distance(When.LATE, 0), "overdue"),
        (date(2026, 12, 24), date(2027, 1, 4), Distance(When.LATE, -4), "4 working days late"),
    ],
)
def test_distance_counts_working_days_ahead_and_late(
    due: date, today: date, expected: Distance, text: str
) -> None:
    found = distance(due, today, CAL)
    assert found == expected
    assert str(found) == text


def test_distance_respects_operator_closures() -> None:
    closed = WorkingCalendar(closures=[date(2026, 3, 3)])
    assert distance(date(2026, 3, 4), date(2026, 3, 2), closed) == Distance(When.AHEAD, 1)
    assert str(distance(date(2026, 3, 2), date(2026, 3, 3), closed)) == "overdue"


# --- workflows/changes.py --------------------------------------------------------------------------------


def deadline(
    key: str,
    due: date,
    *,
    until: date | None = None,
    recorded: date | None = None,
    at: time | None = None,
    actor: Actor = Actor.OFSTED,
    recordable: bool = True,
) -> Deadline:
    return Deadline(
        key=key,
        label=key.replace("_", " ").capitalize(),
        due=due,
        due_until=until,
        time=at,
        actor=actor,
        rule="rule",
        source="seed",
        recorded=recorded,
        basis="planned",
        notes=(),
        recordable=recordable,
    )


def summary(changes: list[Change]) -> list[tuple[ChangeKind, str, int]]:
    return [(c.kind, c.key, c.working_days) for c in changes]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([deadline("a", date(2026, 3, 2))], [deadline("a", date(2026, 3, 2))], []),
        # over Easter: Thursday 2 April to Tuesday 7 April is one working day either way
        ([deadline("a", date(2026, 4, 2))], [deadline("a", date(2026, 4, 7))], [(ChangeKind.MOVED, "a", 1)]),
        ([deadline("a", date(2026, 4, 7))], [deadline("a", date(2026, 4, 2))], [(ChangeKind.MOVED, "a", -1)]),
        ([deadline("a", date(2026, 3, 2))], [deadline("a", date(2026, 3, 9))], [(ChangeKind.MOVED, "a", 5)]),
        # Saturday to Monday bank holiday: a move with no working day in it
        ([deadline("a", date(2026, 4, 4))], [deadline("a", date(2026, 4, 6))], [(ChangeKind.MOVED, "a", 0)]),
        # only the time of day
        (
            [deadline("a", date(2026, 3, 2), at=time(9, 30))],
            [deadline("a", date(2026, 3, 2), at=time(17))],
            [(ChangeKind.MOVED, "a", 0)],
        ),
        # a window's last day moves over Christmas
        (
            [deadline("w", date(2026, 12, 1), until=date(2026, 12, 24))],
            [deadline("w", date(2026, 12, 1), until=date(2026, 12, 29))],
            [(ChangeKind.MOVED, "w", 1)],
        ),
        ([], [deadline("a", date(2026, 3, 2))], [(ChangeKind.ADDED, "a", 0)]),
        ([deadline("a", date(2026, 3, 2))], [], [(ChangeKind.REMOVED, "a", 0)]),
        (
            [deadline("a", date(2026, 3, 2))],
            [deadline("a", date(2026, 3, 2), recorded=date(2026, 3, 1))],
            [(ChangeKind.DONE, "a", 0)],
        ),
        (
            [deadline("a", date(2026, 3, 2), recorded=date(2026, 3, 1))],
            [deadline("a", date(2026, 3, 2), recorded=date(2026, 2, 27))],
            [(ChangeKind.DONE, "a", 0)],
        ),
        (
            [deadline("a", date(2026, 3, 2), recorded=date(2026, 3, 1))],
            [deadline("a", date(2026, 3, 2))],
            [(ChangeKind.UNDONE, "a", 0)],
        ),
        # done before and after on the same day: its due date moving is no news
        (
            [deadline("a", date(2026, 3, 2), recorded=date(2026, 3, 1))],
            [deadline("a", date(2026, 3, 9), recorded=date(2026, 3, 1))],
            [],
        ),
        # in the order of the new timeline, what went last
        (
            [
                deadline("gone", date(2026, 3, 1)),
                deadline("b", date(2026, 3, 3)),
                deadline("c", date(2026, 3, 4)),
            ],
            [
                deadline("c", date(2026, 3, 5)),
                deadline("new", date(2026, 3, 6)),
                deadline("b", date(2026, 3, 3)),
            ],
            [(ChangeKind.MOVED, "c", 1), (ChangeKind.ADDED, "new", 0), (ChangeKind.REMOVED, "gone", 0)],
        ),
    ],
)
def test_diff_reports_each_change_with_working_days(
    before: list[Deadline], after: list[Deadline], expected: list[tuple[ChangeKind, str, int]]
) -> None:
    assert summary(diff(before, after, CAL)) == expected


def test_a_change_carries_both_deadlines_and_the_current_one() -> None:
    was, now = deadline("a", date(2026, 4, 2)), deadline("a", date(2026, 4, 7))
    [moved] = diff([was], [now], CAL)
    assert (moved.before, moved.after, moved.deadline) == (was, now, now)
    [removed] = diff([was], [], CAL)
    assert (removed.before, removed.after, removed.deadline) == (was, None, was)


def test_an_inadequate_judgement_adds_the_case_review_and_return_visit() -> None:
    plain = dates(date(2026, 3, 17), end=date(2026, 3, 18))
    before = compute_timeline(KINDS["ch-full"], plain, CAL)
    after = compute_timeline(
        KINDS["ch-full"],
        CaseDates(start=None, end=None, records=plain.records, judgement="inadequate", concerns=False),
        CAL,
    )
    # judged inadequate between January and March: the full inspection before 30 June too (000 L513-515)
    assert summary(diff(before, after, CAL)) == [
        (ChangeKind.ADDED, "case_review", 0),
        (ChangeKind.ADDED, "return_visit", 0),
        (ChangeKind.ADDED, "full_inspection_by_june", 0),
    ]
    assert summary(diff(after, before, CAL)) == [
        (ChangeKind.REMOVED, "case_review", 0),
        (ChangeKind.REMOVED, "return_visit", 0),
        (ChangeKind.REMOVED, "full_inspection_by_june", 0),
    ]


# --- workflows/audience.py -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(INTERNAL_KEYS))
def test_providers_are_not_shown_internal_steps_and_staff_are(key: str) -> None:
    step = deadline(key, date(2026, 3, 2))
    assert not sees(Role.PROVIDER, step)
    assert sees(Role.INSPECTOR, step) and sees(Role.MANAGER, step)


def test_internal_keys_are_exactly_the_ofsted_internal_steps() -> None:
    expected = {"case_review", "dcs_email", "draft_qa", "evidence_upload", "evidence_notebooks"}
    assert frozenset(expected) == INTERNAL_KEYS


def test_only_providers_miss_the_sources() -> None:
    assert [sees_sources(role) for role in (Role.PROVIDER, Role.INSPECTOR, Role.MANAGER)] == [
        False,
        True,
        True,
    ]


def test_a_provider_sees_the_assurance_timeline_without_internal_steps() -> None:
    case = CaseDates(start=None, end=None, records={"end": date(2026, 3, 18)}, judgement=None, concerns=True)
    timeline = compute_timeline(KINDS["ch-assurance"], case, CAL)
    everything = [d.key for d in timeline]
    assert [d.key for d in shown(Role.INSPECTOR, timeline)] == everything
    assert [d.key for d in shown(Role.MANAGER, timeline)] == everything
    assert [d.key for d in shown(Role.PROVIDER, timeline)] == [
        k for k in everything if k not in {"dcs_email", "case_review", "evidence_upload", "draft_qa"}
    ]
    assert {"dcs_email", "case_review", "evidence_upload", "draft_qa"} <= set(everything)


@pytest.mark.parametrize(
    ("role", "mine"),
    [
        (Role.INSPECTOR, {Actor.INSPECTOR}),
        (Role.PROVIDER, {Actor.PROVIDER, Actor.DCS, Actor.LOCAL_AUTHORITY}),
        (Role.MANAGER, {Actor.MANAGER}),
    ],
)
def test_is_mine_by_the_deadline_owner(role: Role, mine: set[Actor]) -> None:
    owned = {actor for actor in Actor if is_mine(role, deadline("x", date(2026, 3, 2), actor=actor))}
    assert owned == mine
    assert not is_mine(role, deadline("x", date(2026, 3, 2), actor=Actor.OFSTED))


# --- workflows/names.py ----------------------------------------------------------------------------------

NAMES = {
    1: "Oak House",
    2: "Oak House Annexe",
    3: "Elm Lodge",
    4: "Shire County Council",
    5: "Birch Tree Children's Home",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("when is the draft due for oak house?", [1]),
        ("When is the draft due for OAK HOUSE ANNEXE?", [2]),
        ("what about elm", [3]),
        ("elm lodge's comments", [3]),  # "lodges" is not "lodge", but "elm" is distinctive
        ("comments for Elm Lodge please", [3]),
        ("when is oak's report", []),
        ("when is the oak report due", [1, 2]),
        ("the house report", []),  # a word many names share is never enough
        ("when is the council report", []),
        ("shire draft", [4]),
        ("birch tree childrens home", [5]),
        ("Birch Tree Children\u2019s Home", [5]),
        ("children's home draft", []),
        ("oaks and elms", []),
        ("", []),
    ],
)
def test_in_text_finds_named_cases(text: str, expected: list[int]) -> None:
    assert in_text(text, NAMES) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("oak", [1, 2]),
        ("OAK ho", [1, 2]),
        ("oak ann", [2]),
        ("hou", [1, 2]),
        ("county sh", [4]),
        ("elm l", [3]),
        ("childrens", [5]),
        ("ak", []),
        ("oak elm", []),
        ("", []),
        ("   ", []),
        ("!!", []),
    ],
)
def test_typed_matches_word_prefixes(query: str, expected: list[int]) -> None:
    assert typed(query, NAMES) == expected


# --- workflows/dates.py ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "day"),
    [
        ("if the draft comes on 24/12/2026, when are my comments due?", "24/12/2026", date(2026, 12, 24)),
        ("draft on 24/12/26?", "24/12/26", date(2026, 12, 24)),
        ("draft on 2026-12-24", "2026-12-24", date(2026, 12, 24)),
        ("draft on 24 December 2026 please", "24 december 2026", date(2026, 12, 24)),
        ("Thursday 24 December 2026 is the day", "thursday 24 december 2026", date(2026, 12, 24)),
        ("ends 3rd Mar 2026", "3rd mar 2026", date(2026, 3, 3)),
        ("first 3.3.2026 then 4.3.2026", "3.3.2026", date(2026, 3, 3)),
    ],
)
def test_find_date_finds_the_first_date_and_where_it_is(text: str, written: str, day: date) -> None:
    start = text.lower().index(written)
    assert find_date(text, TODAY) == (day, start, start + len(written))


@pytest.mark.parametrize("text", ["no date here", "room 12 on floor 3", "today", "version 1.2.3", "12/2026"])
def test_find_date_gives_none_without_a_date(text: str) -> None:
    assert find_date(text, TODAY) is None


@pytest.mark.parametrize(
    "text",
    ["draft on 31/2/2026?", "draft on 1/1/9999", "on Friday 24 December 2026", "31 February 2026 then"],
)
def test_find_date_refuses_an_impossible_date_rather_than_ignoring_it(text: str) -> None:
    with pytest.raises(DateParseError):
        find_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("1/1/2000", date(2000, 1, 1)),
        ("31/12/2099", date(2099, 12, 31)),
        ("1/1/99", date(2099, 1, 1)),
        ("2000-01-01", date(2000, 1, 1)),
    ],
)
def test_parse_date_accepts_2000_to_2099(text: str, day: date) -> None:
    assert parse_date(text, TODAY) == day


@pytest.mark.parametrize("text", ["31/12/1999", "1/1/2100", "2100-01-01", "1999-12-31", "1 January 1900"])
def test_parse_date_refuses_years_outside_2000_to_2099(text: str) -> None:
    with pytest.raises(DateParseError) as refused:
        parse_date(text, TODAY)
    assert str(refused.value) == f"I can only work with dates from 2000 to 2099; '{text}' is outside that."


# --- workflows/calendar.py -------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(1998, 12, 31), date(2101, 1, 3), date(1, 1, 1), date(9999, 12, 31)])
def test_the_calendar_refuses_years_it_does_not_know(day: date) -> None:
    with pytest.raises(DateOutOfRange):
        WorkingCalendar().is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(1999, 12, 31), False),
        (date(1999, 12, 30), True),
        (date(2100, 12, 29), True),
        (date(2100, 12, 27), False),
    ],
)
def test_the_calendar_counts_a_year_either_side_of_the_range(day: date, working: bool) -> None:
    assert WorkingCalendar().is_working_day(day) is working


def test_counting_past_the_last_known_year_raises() -> None:
    with pytest.raises(DateOutOfRange):
        WorkingCalendar().add_working_days(date(2100, 12, 30), 5)


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (date(1999, 12, 31), False),
        (date(2000, 1, 1), True),
        (date(2099, 12, 31), True),
        (date(2100, 1, 1), False),
    ],
)
def test_check_in_range_is_the_typed_date_range(day: date, ok: bool) -> None:
    if ok:
        assert check_in_range(day) == day
    else:
        with pytest.raises(DateOutOfRange, match="from 2000 to 2099"):
            check_in_range(day)


# --- workflows/whatif.py ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "condition", "asked"),
    [
        (
            "if the draft comes on 24/12/2026, when are my comments due?",
            "24/12/2026",
            "if the draft comes on 24/12/2026",
            " , when are my comments due?",
        ),
        (
            "When are comments due, Supposing the draft comes 24/12/2026?",
            "24/12/2026",
            "supposing the draft comes 24/12/2026",
            "When are comments due,  ?",
        ),
        ("when is the draft due after 24/12/2026?", "24/12/2026", None, "when is the draft due after ?"),
        ("gift 24/12/2026 if", "24/12/2026", None, "gift  if"),
        (
            "if so, assuming it ends 3/3/2026 what then",
            "3/3/2026",
            "assuming it ends 3/3/2026",
            "if so,   what then",
        ),
    ],
)
def test_split_takes_the_last_if_clause_before_the_date(
    text: str, written: str, condition: str | None, asked: str
) -> None:
    start = text.index(written)
    end = start + len(written)
    assert split(text, date(2026, 12, 24), start, end) == DatedQuestion(date(2026, 12, 24), condition, asked)


RECORDABLE = [item.key for item in recordables(KINDS["ch-full"])]


@pytest.mark.parametrize(
    ("condition", "event"),
    [
        ("if the visit ends on 3/3/2026", "end"),
        ("if it ended on 3/3/2026", "end"),
        ("if feedback is on 3/3/2026", "end"),
        ("if the inspection starts on 3/3/2026", "start"),
        ("if the first day is 3/3/2026", "start"),
        ("if it starts and ends on 3/3/2026", "end"),
        ("if the draft comes on 24/12/2026", "draft_report"),
        ("if the final report arrives on 1/5/2026", "final_report"),
        ("if it rains on 3/3/2026", None),
    ],
)
def test_supposed_event_reads_the_condition(condition: str, event: str | None) -> None:
    assert supposed_event(condition, KINDS["ch-full"], RECORDABLE) == event


def due_dates(timeline: list[Deadline]) -> dict[str, tuple[date, date | None]]:
    return {d.key: (d.due, d.recorded) for d in timeline}


def test_recompute_supposes_the_visit_ended_and_counts_over_easter_and_may() -> None:
    planned = dates(date(2026, 3, 3), date(2026, 3, 4))
    timeline = due_dates(recompute(KINDS["ch-full"], planned, CAL, "end", date(2026, 3, 18)))
    assert timeline == {
        "draft_qa": (date(2026, 3, 20), None),  # table days 5 to 8: 2 working days after the end
        "evidence_upload": (date(2026, 3, 25), None),
        "draft_report": (date(2026, 4, 15), None),
        "provider_comments": (date(2026, 4, 22), None),
        "final_report": (date(2026, 5, 1), None),
        "complaint_window": (date(2026, 5, 11), None),
        "publication": (date(2026, 5, 14), None),
    }
    assert planned.records == {}  # the real dates are not touched


def test_recompute_supposes_the_draft_on_christmas_eve() -> None:
    case = dates(None, None, end=date(2026, 11, 30))
    timeline = {d.key: d for d in recompute(KINDS["ch-full"], case, CAL, "draft_report", date(2026, 12, 24))}
    assert timeline["draft_report"].recorded == date(2026, 12, 24)
    assert timeline["provider_comments"].due == date(2027, 1, 5)
    assert timeline["provider_comments"].basis == "recorded"


def test_recompute_refuses_a_supposed_date_that_cannot_be() -> None:
    case = dates(None, None, end=date(2026, 3, 18))
    with pytest.raises(TimelineError, match="before"):
        recompute(KINDS["ch-full"], case, CAL, "draft_report", date(2026, 3, 10))


# --- workflows/deadlines.py ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "today", "open_", "missed"),
    [
        (deadline("a", date(2026, 3, 6)), date(2026, 3, 6), True, False),
        (deadline("a", date(2026, 3, 6)), date(2026, 3, 7), True, True),
        (deadline("a", date(2026, 3, 6)), date(2026, 3, 5), True, False),
        (deadline("a", date(2026, 3, 6), recorded=date(2026, 3, 9)), date(2026, 3, 20), False, False),
        (deadline("a", date(2026, 3, 6), until=date(2026, 3, 13)), date(2026, 3, 13), True, False),
        (deadline("a", date(2026, 3, 6), until=date(2026, 3, 13)), date(2026, 3, 14), True, True),
        # windows and Ofsted's visits: open until they end, never missed
        (deadline("w", date(2026, 3, 6), recordable=False), date(2026, 3, 6), True, False),
        (deadline("w", date(2026, 3, 6), recordable=False), date(2026, 3, 7), False, False),
        (
            deadline("w", date(2026, 3, 6), until=date(2026, 3, 13), recordable=False),
            date(2026, 3, 13),
            True,
            False,
        ),
        (
            deadline("w", date(2026, 3, 6), until=date(2026, 3, 13), recordable=False),
            date(2026, 3, 14),
            False,
            False,
        ),
    ],
)
def test_open_on_and_missed_on(item: Deadline, today: date, open_: bool, missed: bool) -> None:
    assert (item.open_on(today), item.missed_on(today)) == (open_, missed)


def test_overdue_never_lists_a_window_that_ended() -> None:
    case = CaseDates(
        start=None, end=None, records={"end": date(2026, 3, 18)}, judgement="inadequate", concerns=False
    )
    timeline = compute_timeline(KINDS["ch-full"], case, CAL)
    assert [d.key for d in overdue(timeline, date(2026, 5, 12))] == [
        "draft_qa",
        "evidence_upload",
        "case_review",
        "draft_report",
        "provider_comments",
        "final_report",
    ]
    assert [d.key for d in overdue(timeline, date(2026, 9, 1))] == [
        "draft_qa",
        "evidence_upload",
        "case_review",
        "draft_report",
        "provider_comments",
        "final_report",
        "publication",
    ]
    window = next(d for d in timeline if d.key == "complaint_window")
    assert window.last_day == date(2026, 5, 11)
    assert (window.open_on(date(2026, 5, 11)), window.open_on(date(2026, 5, 12))) == (True, False)
