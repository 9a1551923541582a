"""A case's life through the store: closing with a reason, reopening, correcting kind and name, undoing what
was recorded, what may be recorded when, and free text kept out of the trail and purged with the case.

The clock starts on Monday 1 June 2026 at 9am UTC (10am in London).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from store.database import Database
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role
from tests.storefixtures import Clock, first_manager

START, END = date(2026, 3, 3), date(2026, 3, 4)
OTHER_NOTE = "Provider deregistered the home after the visit"


async def join(
    db: Database, inviter: Person | None, role: Role, telegram_id: int, case_ref: int | None = None
) -> Person:
    invite = await db.invites.create(inviter, role, case_ref=case_ref)
    return await db.invites.redeem(invite.code, telegram_id, f"Person {telegram_id}")


async def audit_actions(db: Database, boss: Person, ref: int) -> list[str]:
    return [entry.action for entry in await db.audit.for_case(boss, ref)]


# --- close -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "note", "kept_note", "audit_after"),
    [
        ("completed", None, None, {"status": "closed", "reason": "completed"}),
        ("mistake", None, None, {"status": "closed", "reason": "mistake"}),
        ("withdrawn", "ignored words", None, {"status": "closed", "reason": "withdrawn"}),
        (
            "other",
            f"  {OTHER_NOTE.replace(' ', '   ')}  ",
            OTHER_NOTE,
            {"status": "closed", "reason": "other", "note_length": len(OTHER_NOTE)},
        ),
        ("other", "x" * 200, "x" * 200, {"status": "closed", "reason": "other", "note_length": 200}),
    ],
)
async def test_a_case_closes_with_a_reason_and_only_other_keeps_words(
    db: Database,
    clock: Clock,
    reason: str,
    note: str | None,
    kept_note: str | None,
    audit_after: dict[str, object],
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    closed = await db.cases.close(boss, case.ref, reason, note)
    assert (closed.status, closed.closed_at, closed.close_reason, closed.close_note) == (
        "closed",
        clock.now,
        reason,
        kept_note,
    )
    last = (await db.audit.for_case(boss, case.ref))[-1]
    assert (last.action, last.before, last.after) == ("case.close", {"status": "open"}, audit_after)


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        ("bored", None, "Give a reason to close: completed, mistake, withdrawn, other."),
        ("", None, "Give a reason to close: completed, mistake, withdrawn, other."),
        ("other", None, "Say in a few words why the case is closed."),
        ("other", "   \n ", "Say in a few words why the case is closed."),
        ("other", "x" * 201, "Keep the reason under 200 characters."),
    ],
)
async def test_a_bad_reason_to_close_is_refused_and_the_case_stays_open(
    db: Database, reason: str, note: str | None, message: str
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    with pytest.raises(InvalidInput) as refused:
        await db.cases.close(boss, case.ref, reason, note)
    assert str(refused.value) == message
    again = await db.cases.get(boss, case.ref)
    assert (again.status, again.close_reason, again.close_note) == ("open", None, None)
    assert await audit_actions(db, boss, case.ref) == ["case.create"]


async def test_closing_twice_is_refused(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.close(boss, case.ref, "mistake")
    with pytest.raises(InvalidInput) as refused:
        await db.cases.close(boss, case.ref, "completed")
    assert str(refused.value) == f"Case #{case.ref} is already closed."
    assert (await db.cases.get(boss, case.ref)).close_reason == "mistake"
    assert await audit_actions(db, boss, case.ref) == ["case.create", "case.close"]


async def test_only_staff_on_the_case_may_close_it(db: Database) -> None:
    boss = await first_manager(db)
    ann = await join(db, boss, Role.INSPECTOR, 2)
    bob = await join(db, boss, Role.INSPECTOR, 3)
    case = await db.cases.create(ann, "ch-full", "Oak House", START, END)
    provider = await join(db, ann, Role.PROVIDER, 4, case_ref=case.ref)
    with pytest.raises(PermissionDenied):
        await db.cases.close(provider, case.ref, "completed")
    with pytest.raises(NotFound):
        await db.cases.close(bob, case.ref, "completed")
    closed = await db.cases.close(ann, case.ref, "withdrawn")
    assert (closed.status, closed.close_reason) == ("closed", "withdrawn")


# --- reopen ----------------------------------------------------------------------------------------------


async def test_only_a_manager_reopens_and_the_reason_goes(db: Database) -> None:
    boss = await first_manager(db)
    ann = await join(db, boss, Role.INSPECTOR, 2)
    case = await db.cases.create(ann, "ch-full", "Oak House", START, END)
    await db.cases.close(ann, case.ref, "other", OTHER_NOTE)
    with pytest.raises(PermissionDenied) as denied:
        await db.cases.reopen(ann, case.ref)
    assert str(denied.value) == f"Only a manager can do that to case #{case.ref}."
    reopened = await db.cases.reopen(boss, case.ref)
    assert (reopened.status, reopened.closed_at, reopened.close_reason, reopened.close_note) == (
        "open",
        None,
        None,
        None,
    )
    last = (await db.audit.for_case(boss, case.ref))[-1]
    assert (last.action, last.before, last.after) == (
        "case.reopen",
        {"status": "closed", "reason": "other"},
        {"status": "open"},
    )
    with pytest.raises(InvalidInput) as refused:
        await db.cases.reopen(boss, case.ref)
    assert str(refused.value) == f"Case #{case.ref} is open already."


async def test_a_purged_case_cannot_be_reopened(db: Database, clock: Clock) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.close(boss, case.ref, "completed")
    clock.now += timedelta(days=31)
    assert await db.purge_expired(30) == 1
    with pytest.raises(InvalidInput) as refused:
        await db.cases.reopen(boss, case.ref)
    assert str(refused.value) == f"Case #{case.ref} has passed its retention period and can't be reopened."


# --- set_kind --------------------------------------------------------------------------------------------


async def test_a_manager_corrects_the_kind_when_what_is_recorded_fits(db: Database) -> None:
    boss = await first_manager(db)
    ann = await join(db, boss, Role.INSPECTOR, 2)
    case = await db.cases.create(ann, "ch-full", "Oak House", START, END)
    await db.cases.record_event(ann, case.ref, "end", END)
    await db.cases.record_event(ann, case.ref, "draft_report", date(2026, 3, 27))
    with pytest.raises(PermissionDenied):
        await db.cases.set_kind(ann, case.ref, "ch-assurance")
    changed = await db.cases.set_kind(boss, case.ref, "ch-assurance")
    assert changed.kind == "ch-assurance"
    assert changed.events == {"end": END, "draft_report": date(2026, 3, 27)}
    last = (await db.audit.for_case(boss, case.ref))[-1]
    assert (last.action, last.before, last.after) == (
        "case.kind",
        {"kind": "ch-full"},
        {"kind": "ch-assurance"},
    )
    same = await db.cases.set_kind(boss, case.ref, "ch-assurance")  # no change, no entry
    assert same.kind == "ch-assurance"
    assert (await audit_actions(db, boss, case.ref)).count("case.kind") == 1


@pytest.mark.parametrize(
    ("events", "kind", "message"),
    [
        (
            {"end": END, "complaint": date(2026, 5, 20)},
            "la-sif",
            "A local authority children's services: single inspection (SIF) has no complaint: undo it first.",
        ),
        (
            {"end": END, "evidence_upload": date(2026, 3, 9), "complaint": date(2026, 5, 20)},
            "la-sif",
            "A local authority children's services: single inspection (SIF) has no complaint, "
            "evidence_upload: undo them first.",
        ),
        (
            {"end": END, "draft_report": date(2026, 3, 27)},
            "ch-interim-2014",
            "A children's home: interim inspection (2014 proposals) has no draft_report: undo it first.",
        ),
        ({}, "no-such-kind", "I don't know the kind of inspection 'no-such-kind'."),
    ],
)
async def test_the_kind_is_not_changed_when_recorded_dates_do_not_fit(
    db: Database, events: dict[str, date], kind: str, message: str
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    for key, day in events.items():
        await db.cases.record_event(boss, case.ref, key, day)
    with pytest.raises(InvalidInput) as refused:
        await db.cases.set_kind(boss, case.ref, kind)
    assert str(refused.value) == message
    assert (await db.cases.get(boss, case.ref)).kind == "ch-full"


async def test_the_kind_is_not_changed_when_the_outcome_does_not_fit(db: Database) -> None:
    boss = await first_manager(db)
    graded = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.set_outcome(boss, graded.ref, judgement="good")
    with pytest.raises(InvalidInput, match="is not graded"):
        await db.cases.set_kind(boss, graded.ref, "ch-assurance")
    assurance = await db.cases.create(boss, "ch-assurance", "Elm House", START)
    await db.cases.set_outcome(boss, assurance.ref, concerns=True)
    with pytest.raises(InvalidInput, match="not judged on serious or widespread concerns"):
        await db.cases.set_kind(boss, assurance.ref, "ch-full")
    assert [(await db.cases.get(boss, ref)).kind for ref in (graded.ref, assurance.ref)] == [
        "ch-full",
        "ch-assurance",
    ]


# --- rename_setting --------------------------------------------------------------------------------------


async def test_a_manager_renames_the_setting_for_all_its_cases_and_the_trail_keeps_lengths(
    db: Database,
) -> None:
    boss = await first_manager(db)
    ann = await join(db, boss, Role.INSPECTOR, 2)
    first = await db.cases.create(ann, "ch-full", "Oak House", START, END)
    second = await db.cases.create(boss, "ch-assurance", "oak house", START)
    with pytest.raises(PermissionDenied):
        await db.cases.rename_setting(ann, first.ref, "Birch Lodge")
    renamed = await db.cases.rename_setting(boss, first.ref, "  Birch   Lodge ")
    assert renamed.setting.name == "Birch Lodge"
    assert (await db.cases.get(boss, second.ref)).setting == renamed.setting
    last = (await db.audit.for_case(boss, first.ref))[-1]
    assert (last.action, last.before, last.after) == (
        "setting.rename",
        {"setting_id": renamed.setting.id, "length": len("Oak House")},
        {"setting_id": renamed.setting.id, "length": len("Birch Lodge")},
    )
    assert "Birch" not in json.dumps([(e.before, e.after) for e in await db.audit.all()])
    again = await db.cases.rename_setting(boss, first.ref, "Birch Lodge")  # no change, no entry
    assert again.setting.name == "Birch Lodge"
    assert (await audit_actions(db, boss, first.ref)).count("setting.rename") == 1
    cased = await db.cases.rename_setting(boss, first.ref, "BIRCH LODGE")  # its own name in other letters
    assert cased.setting.name == "BIRCH LODGE"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Elm House", "Another setting is already called Elm House."),
        ("  elm   HOUSE ", "Another setting is already called elm HOUSE."),
        ("   ", "Give the name of the home, agency or local authority."),
        ("x" * 201, "That name is too long: keep it under 200 characters."),
    ],
)
async def test_a_rename_to_a_taken_or_bad_name_is_refused(db: Database, name: str, message: str) -> None:
    boss = await first_manager(db)
    oak = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.create(boss, "ch-full", "Elm House", START, END)
    with pytest.raises(InvalidInput) as refused:
        await db.cases.rename_setting(boss, oak.ref, name)
    assert str(refused.value) == message
    assert (await db.cases.get(boss, oak.ref)).setting.name == "Oak House"


# --- last_recorded / undo --------------------------------------------------------------------------------


async def test_undo_takes_back_the_last_recorded_change_and_chains_back(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    assert await db.cases.last_recorded(boss, case.ref) is None
    await db.cases.record_event(boss, case.ref, "end", END)
    await db.cases.record_event(boss, case.ref, "draft_report", date(2026, 3, 27))
    await db.cases.set_outcome(boss, case.ref, judgement="good")
    await db.cases.add_note(boss, case.ref, "not undoable")
    await db.cases.set_planned(boss, case.ref, START, END + timedelta(days=1))  # nor is a plan

    outcome = await db.cases.last_recorded(boss, case.ref)
    assert outcome is not None
    assert (outcome.action, outcome.before, outcome.after) == (
        "case.outcome",
        {"judgement": None, "concerns": False},
        {"judgement": "good", "concerns": False},
    )
    undone, entry = await db.cases.undo(boss, case.ref, outcome.id)
    assert entry == outcome and undone.judgement is None

    draft = await db.cases.last_recorded(boss, case.ref)
    assert draft is not None and draft.after == {"key": "draft_report", "day": "2026-03-27"}
    undone, _ = await db.cases.undo(boss, case.ref, draft.id)
    assert undone.events == {"end": END}

    end = await db.cases.last_recorded(boss, case.ref)
    assert end is not None and end.after == {"key": "end", "day": "2026-03-04"}
    undone, _ = await db.cases.undo(boss, case.ref, end.id)
    assert undone.events == {}
    assert await db.cases.last_recorded(boss, case.ref) is None
    with pytest.raises(InvalidInput) as refused:
        await db.cases.undo(boss, case.ref, end.id)
    assert str(refused.value) == f"Nothing recorded on case #{case.ref} is left to undo."
    trail = await db.audit.for_case(boss, case.ref)
    assert [(e.action, e.after) for e in trail if e.action == "case.undo"] == [
        ("case.undo", {"judgement": None, "concerns": False, "undoes": outcome.id}),
        ("case.undo", {"key": "draft_report", "day": None, "undoes": draft.id}),
        ("case.undo", {"key": "end", "day": None, "undoes": end.id}),
    ]


async def test_undo_puts_back_the_date_a_record_replaced(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.record_event(boss, case.ref, "end", END)
    await db.cases.record_event(boss, case.ref, "end", date(2026, 3, 5))
    entry = await db.cases.last_recorded(boss, case.ref)
    assert entry is not None and entry.before == {"key": "end", "day": "2026-03-04"}
    undone, _ = await db.cases.undo(boss, case.ref, entry.id)
    assert undone.events == {"end": END}


async def test_undo_refuses_a_stale_entry(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.record_event(boss, case.ref, "end", END)
    shown = await db.cases.last_recorded(boss, case.ref)
    assert shown is not None
    await db.cases.record_event(boss, case.ref, "evidence_upload", date(2026, 3, 9))
    with pytest.raises(InvalidInput) as refused:
        await db.cases.undo(boss, case.ref, shown.id)
    assert str(refused.value) == "Something else was recorded since: send /undo again to see what it is."
    assert (await db.cases.get(boss, case.ref)).events == {"end": END, "evidence_upload": date(2026, 3, 9)}


async def test_undo_is_for_staff_on_an_open_case(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    provider = await join(db, boss, Role.PROVIDER, 4, case_ref=case.ref)
    await db.cases.record_event(boss, case.ref, "end", END)
    entry = await db.cases.last_recorded(provider, case.ref)  # a provider may see what it is
    assert entry is not None
    with pytest.raises(PermissionDenied):
        await db.cases.undo(provider, case.ref, entry.id)
    await db.cases.close(boss, case.ref, "completed")
    with pytest.raises(InvalidInput, match="closed"):
        await db.cases.undo(boss, case.ref, entry.id)
    assert (await db.cases.get(boss, case.ref)).events == {"end": END}


async def test_undoing_a_cleared_date_brings_it_back(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.record_event(boss, case.ref, "end", END)
    await db.cases.clear_event(boss, case.ref, "end")
    entry = await db.cases.last_recorded(boss, case.ref)
    assert entry is not None and (entry.before, entry.after) == (
        {"key": "end", "day": "2026-03-04"},
        {"key": "end", "day": None},
    )
    undone, _ = await db.cases.undo(boss, case.ref, entry.id)
    assert undone.events == {"end": END}


# --- record_event and set_outcome: what may be recorded when ---------------------------------------------


@pytest.mark.parametrize(
    ("key", "day", "message"),
    [
        (
            "end",
            date(2026, 6, 2),
            "Visit ended (feedback given) on Tuesday 2 June 2026 is in the future. "
            "Record things once they have happened.",
        ),
        (
            "complaint",
            date(2026, 6, 2),
            "Formal complaint made on Tuesday 2 June 2026 is in the future. "
            "Record things once they have happened.",
        ),
        (
            "complaint_window",
            date(2026, 5, 1),
            "Last day for a formal complaint is a window, not something anyone does: it stays open until "
            "its last day. To record a complaint that was made, record 'complaint' with its date.",
        ),
        (
            "return_visit",
            date(2026, 5, 1),
            "Return visit (monitoring visit or full inspection) is planned by Ofsted, not something recorded "
            "as done here: it shows until its window ends.",
        ),
    ],
)
async def test_record_event_refuses_the_future_and_windows(
    db: Database, key: str, day: date, message: str
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    with pytest.raises(InvalidInput) as refused:
        await db.cases.record_event(boss, case.ref, key, day)
    assert str(refused.value) == message
    assert (await db.cases.get(boss, case.ref)).events == {}
    assert await audit_actions(db, boss, case.ref) == ["case.create"]


async def test_record_event_refuses_a_key_of_another_kind(db: Database) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    with pytest.raises(InvalidInput) as refused:
        await db.cases.record_event(boss, case.ref, "annex_a", date(2026, 5, 1))
    assert str(refused.value).startswith("'annex_a' isn't something I ")
    assert (await db.cases.get(boss, case.ref)).events == {}


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("complaint", date(2026, 6, 1)),
        ("compliance_date", date(2026, 9, 1)),
        ("compliance_date", date(2027, 1, 5)),
        ("end", date(2026, 5, 29)),
    ],
)
async def test_record_event_accepts_today_the_past_and_a_future_compliance_date(
    db: Database, key: str, day: date
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    assert (await db.cases.record_event(boss, case.ref, key, day)).events == {key: day}


@pytest.mark.parametrize(
    ("now", "day", "accepted"),
    [
        (
            datetime(2026, 6, 1, 23, 30, tzinfo=UTC),
            date(2026, 6, 2),
            True,
        ),  # 00:30 on the 2nd in London (BST)
        (datetime(2026, 6, 1, 22, 30, tzinfo=UTC), date(2026, 6, 2), False),  # 23:30 on the 1st in London
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 2), False),  # GMT: still the 1st
        (datetime(2026, 12, 2, 0, 30, tzinfo=UTC), date(2026, 12, 2), True),
    ],
)
async def test_today_is_the_date_in_england(
    db: Database, clock: Clock, now: datetime, day: date, accepted: bool
) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    clock.now = now
    if accepted:
        assert (await db.cases.record_event(boss, case.ref, "end", day)).events == {"end": day}
    else:
        with pytest.raises(InvalidInput, match="is in the future"):
            await db.cases.record_event(boss, case.ref, "end", day)


async def test_an_outcome_waits_for_the_end_of_the_visit(db: Database, clock: Clock) -> None:
    boss = await first_manager(db)
    graded = await db.cases.create(boss, "ch-full", "Oak House", date(2026, 6, 3), date(2026, 6, 4))
    assurance = await db.cases.create(boss, "ch-assurance", "Elm House", date(2026, 6, 3))
    with pytest.raises(InvalidInput) as refused:
        await db.cases.set_outcome(boss, graded.ref, judgement="good")
    assert str(refused.value) == (
        "A judgement can only be recorded once the visit has ended: its last on-site day is "
        "Thursday 4 June 2026."
    )
    with pytest.raises(InvalidInput) as refused:
        await db.cases.set_outcome(boss, assurance.ref, concerns=True)
    assert str(refused.value) == (
        "Whether there were serious or widespread concerns can only be recorded once the visit has "
        "ended: its last on-site day is Wednesday 3 June 2026."
    )
    # a visit that started and ended today, earlier than planned: recorded days beat planned ones
    await db.cases.record_event(boss, graded.ref, "start", date(2026, 6, 1))
    with pytest.raises(InvalidInput, match="Thursday 4 June 2026"):
        await db.cases.set_outcome(boss, graded.ref, judgement="good")  # begun, not ended
    await db.cases.record_event(boss, graded.ref, "end", date(2026, 6, 1))
    assert (await db.cases.set_outcome(boss, graded.ref, judgement="good")).judgement == "good"
    clock.now = datetime(2026, 6, 2, 22, 59, tzinfo=UTC)  # 23:59 on Tuesday 2 June in London
    with pytest.raises(InvalidInput, match="Wednesday 3 June 2026"):
        await db.cases.set_outcome(boss, assurance.ref, concerns=True)
    clock.now = datetime(2026, 6, 2, 23, 0, tzinfo=UTC)  # midnight in London: the first day
    assert (await db.cases.set_outcome(boss, assurance.ref, concerns=True)).concerns is True


# --- free text: never in the trail, purged, exported -----------------------------------------------------


async def test_the_words_of_an_other_reason_never_enter_the_trail(db: Database, tmp_path: Path) -> None:
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.close(boss, case.ref, "other", OTHER_NOTE)
    await db.cases.reopen(boss, case.ref)
    await db.cases.close(boss, case.ref, "other", OTHER_NOTE)
    entries = await db.audit.all()
    assert [e.action for e in entries if e.case_ref == case.ref] == [
        "case.create",
        "case.close",
        "case.reopen",
        "case.close",
    ]
    for entry in entries:
        assert "deregistered" not in json.dumps([entry.before, entry.after, entry.actor_label, entry.action])
    with sqlite3.connect(tmp_path / "store.sqlite3") as raw:
        rows = raw.execute("SELECT * FROM audit").fetchall()
    assert len(rows) == len(entries)
    assert not any("deregistered" in str(value) for row in rows for value in row)


async def test_the_purge_clears_the_close_note_and_export_shows_the_reason(
    db: Database, clock: Clock
) -> None:
    boss = await first_manager(db)
    other = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    withdrawn = await db.cases.create(boss, "ch-full", "Elm House", START, END)
    await db.cases.close(boss, other.ref, "other", OTHER_NOTE)
    await db.cases.close(boss, withdrawn.ref, "withdrawn")

    before = await db.export_case(other.ref)
    assert (before["case"]["status"], before["case"]["close_reason"], before["case"]["close_note"]) == (
        "closed",
        "other",
        OTHER_NOTE,
    )
    assert (await db.export_case(withdrawn.ref))["case"]["close_reason"] == "withdrawn"

    clock.now += timedelta(days=29)
    assert await db.purge_expired(30) == 0
    assert (await db.cases.get(boss, other.ref)).close_note == OTHER_NOTE
    clock.now += timedelta(days=1)
    assert await db.purge_expired(30) == 2
    purged = await db.cases.get(boss, other.ref)
    assert (purged.close_reason, purged.close_note, purged.purged_at) == ("other", None, clock.now)
    after = await db.export_case(other.ref)
    assert (after["case"]["close_reason"], after["case"]["close_note"]) == ("other", None)
    assert OTHER_NOTE not in json.dumps(after)


async def test_the_visit_cant_move_past_the_steps_recorded_after_it(db: Database) -> None:
    """Undoing or clearing a recorded end, or moving the planned days later (/edit, an approved deferral),
    is refused, with the state unchanged, when a step recorded after the visit (the
    draft: 18 working days after its end, 000 L1040) would then be dated before it (issue 18 loose end 3)."""
    boss = await first_manager(db)
    case = await db.cases.create(boss, "ch-full", "Oak House", START, END)
    await db.cases.record_event(boss, case.ref, "draft_report", date(2026, 3, 10))
    before = await audit_actions(db, boss, case.ref)
    for change in (
        db.cases.set_planned(boss, case.ref, date(2026, 3, 16), date(2026, 3, 17)),
        db.cases.set_planned(boss, case.ref, date(2026, 7, 1), date(2026, 7, 2)),
    ):
        with pytest.raises(InvalidInput, match="Draft report sent to the provider is recorded on"):
            await change
    assert await audit_actions(db, boss, case.ref) == before
    assert (await db.cases.get(boss, case.ref)).planned_start == START

    # Recorded days outweigh the plan; with the end undone or cleared, the later plan is refused.
    await db.cases.record_event(boss, case.ref, "start", START)
    await db.cases.record_event(boss, case.ref, "end", END)
    replan = await db.cases.set_planned(boss, case.ref, date(2026, 3, 16), date(2026, 3, 17))
    assert replan.events["end"] == END
    end = await db.cases.last_recorded(boss, case.ref)
    assert end is not None and end.after == {"key": "end", "day": END.isoformat()}
    with pytest.raises(InvalidInput, match="whose last on-site day would then be Tuesday 17 March 2026"):
        await db.cases.undo(boss, case.ref, end.id)
    with pytest.raises(InvalidInput, match="Undo or correct draft report sent to the provider first"):
        await db.cases.clear_event(boss, case.ref, "end")
    kept = {"draft_report": date(2026, 3, 10), "start": START, "end": END}
    assert (await db.cases.get(boss, case.ref)).events == kept
