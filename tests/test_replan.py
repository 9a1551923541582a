"""Changing the reminding hour, the time zone or the closures moves every reminder still waiting
(store.replan), with a settable clock and the sender of tests/test_reminders.py.

The case is test_reminders.py's: a children's home full inspection ending Tuesday 10 March 2026, its draft
report due 18 working days later on Tuesday 7 April (over Easter), "due soon" on Wednesday 1 April.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time
from zoneinfo import ZoneInfo

from store import outbox, replan
from store.codec import time_from_text
from store.database import Database
from tests.test_reminders import INSPECTOR, World, draft_rows, london, world
from workflows.calendar import WorkingCalendar
from workflows.deadlines import LONDON
from workflows.reminders import Hours, Lead, replanned

__all__ = ["world"]  # the fixture, shared with test_reminders.py


def soon_row(w: World, state: str = "pending") -> dict[str, object]:
    [row] = [r for r in draft_rows(w, state) if str(r["dedup"]).endswith(":soon")]
    return row


def local(row: dict[str, object], zone: ZoneInfo = LONDON) -> str:
    return time_from_text(str(row["due_at"])).astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def settle(w: World) -> None:
    """Plan with the defaults (a first start records them), and send what the new case had due."""
    assert await replan.replan(w.db) is None  # nothing recorded yet: taken as planned with these
    assert await replan.replan(w.db) is None  # recorded
    await w.at(london(date(2026, 3, 31), 12))


async def test_planned_at_nine_restarted_at_half_past_eleven_goes_at_half_past_eleven_once(
    world: World,
) -> None:
    await settle(world)
    assert local(soon_row(world)) == "2026-04-01 09:00"
    world.db.reminding.config = outbox.ReminderConfig(Hours(LONDON, time(11, 30)), world.db.calendar)
    done = await replan.replan(world.db)
    assert done is not None and done.moved >= 1 and done.was["remind_at"] == "09:00"
    assert local(soon_row(world)) == "2026-04-01 11:30"
    assert {local(r)[11:] for r in world.rows(state="pending", kind="remind")} == {"11:30"}
    assert await replan.replan(world.db) is None  # recorded: the next start with them moves nothing
    assert await world.at(london(date(2026, 4, 1), 9)) == []
    assert await world.at(london(date(2026, 4, 1), 11, 29)) == []
    sent = await world.at(london(date(2026, 4, 1), 11, 30))
    assert len([t for t in sent if "Draft report sent to the provider" in t and "due soon" in t]) == 1
    assert not any("Draft report" in t for t in await world.at(london(date(2026, 4, 1), 11, 35)))


async def test_a_time_zone_change_keeps_the_local_hour(world: World) -> None:
    await settle(world)
    new_york = ZoneInfo("America/New_York")
    world.db.reminding.config = outbox.ReminderConfig(Hours(new_york), world.db.calendar)
    done = await replan.replan(world.db)
    assert done is not None and done.was["tz"] == "Europe/London"
    assert local(soon_row(world), new_york) == "2026-04-01 09:00"
    assert str(soon_row(world)["due_at"]).startswith("2026-04-01T13:00")  # 09:00 EDT in UTC


async def test_a_closure_added_for_tomorrow_moves_tomorrows_reminders_to_the_next_working_day(
    world: World,
) -> None:
    await settle(world)
    tomorrow = date(2026, 4, 1)
    assert local(soon_row(world)) == "2026-04-01 09:00"
    world.clock.now = london(date(2026, 3, 31), 12, 5)
    closed = WorkingCalendar([tomorrow])
    # The bot's start: the open cases are re-dated with the closure, then the reminders re-planned.
    async with await Database.open(world.db.path, clock=world.clock, calendar=closed) as restarted:
        done = await replan.replan(restarted)  # its settings: London at 09:00, with the closure
    assert done is not None and done.cases == 1  # the draft is due a working day later: 8 April
    assert local(soon_row(world)) == "2026-04-02 09:00"  # Thursday; Friday and Monday are Easter
    assert {str(r["dedup"]).split(":")[4] for r in draft_rows(world)} == {"2026-04-08"}
    assert not [r for r in world.rows(state="pending", kind="remind") if local(r).startswith("2026-04-01")]
    world.sender.services = replace(world.sender.services, calendar=closed)  # the bot's, restarted
    world.db.reminding.config = restarted.reminding.config
    # Those whose deadlines moved are told, in one message each listing every case's (issue 24).
    told = await world.at(london(date(2026, 3, 31), 12, 6))
    assert told and all(t.startswith("The working days have changed") for t in told), told
    assert all(line.startswith("A deadline moved") for t in told for line in t.splitlines()[1:]), told
    assert await world.at(london(tomorrow, 9)) == []  # nothing on the closure day
    assert any("Draft report" in t for t in await world.at(london(date(2026, 4, 2), 9)))


async def test_a_sent_reminder_is_not_sent_again_after_a_change_of_hour(world: World) -> None:
    await settle(world)
    first = await world.at(london(date(2026, 4, 1), 9))
    assert any("Draft report sent to the provider" in t and "due soon" in t for t in first)
    sent = soon_row(world, "sent")
    world.clock.now = london(date(2026, 4, 1), 10)
    world.db.reminding.config = outbox.ReminderConfig(Hours(LONDON, time(11, 30)), world.db.calendar)
    assert await replan.replan(world.db) is not None
    assert soon_row(world, "sent") == sent  # untouched
    assert not [r for r in draft_rows(world) if str(r["dedup"]).endswith(":soon")]
    later = await world.at(london(date(2026, 4, 1), 11, 30)) + await world.at(london(date(2026, 4, 2), 12))
    assert not any("due soon" in t and "Draft report" in t for t in later)


async def test_a_snoozed_reminder_keeps_its_morning_at_the_new_hour(world: World) -> None:
    await settle(world)
    await world.at(london(date(2026, 4, 1), 9))
    sent = soon_row(world, "sent")
    person = await world.db.people.get(int(str(sent["person_id"])))
    assert person is not None
    at = await world.db.outbox.snooze(person, int(str(sent["id"])))
    assert at == london(date(2026, 4, 2), 9)
    world.db.reminding.config = outbox.ReminderConfig(Hours(LONDON, time(11, 30)), world.db.calendar)
    assert await replan.replan(world.db) is not None
    [snoozed] = [r for r in world.rows(state="pending") if ":snooze:" in str(r["dedup"])]
    assert local(snoozed) == "2026-04-02 11:30"


def test_replanned_places_a_row_as_wanted_reminders_would() -> None:
    hours, calendar = Hours(LONDON, time(10, 0)), WorkingCalendar()
    draft_due = date(2026, 4, 7)
    early = london(date(2026, 3, 20), 12)
    soon = replanned("draft_report", Lead.SOON, draft_due, early, hours, calendar)
    assert soon == london(date(2026, 4, 1), 10)
    # Both "due soon" and "due today" have passed: only the latter is still true; it goes at once.
    late = london(date(2026, 4, 7), 12)
    assert replanned("draft_report", Lead.SOON, draft_due, late, hours, calendar) is None
    assert replanned("draft_report", Lead.DUE, draft_due, late, hours, calendar) == late
    # The deadline has passed: only the overdue one is wanted.
    after = london(date(2026, 4, 8), 9)
    assert replanned("draft_report", Lead.DUE, draft_due, after, hours, calendar) is None
    assert replanned("draft_report", Lead.OVERDUE, draft_due, after, hours, calendar) == london(
        date(2026, 4, 8), 10
    )


def test_replanned_moves_a_step_off_a_new_closure_as_the_policy_places_it() -> None:
    # The draft's deadline (Tuesday 7 April 2026) does not move: its days are counted from the end of the
    # inspection. Its steps' days do: "due soon" is 2 working days before, "overdue" the working day after.
    now, draft_due = london(date(2026, 3, 20), 12), date(2026, 4, 7)
    hours, calendar = Hours(LONDON), WorkingCalendar([date(2026, 4, 2)])
    # Thursday 2 April closed: over Easter, the 2 working days before the 7th are now 1 April and 31 March
    # (without the closure: 2 April and 1 April).
    soon = replanned("draft_report", Lead.SOON, draft_due, now, hours, calendar)
    assert soon == london(date(2026, 3, 31), 9)
    assert replanned("draft_report", Lead.SOON, draft_due, now, hours, WorkingCalendar()) == london(
        date(2026, 4, 1), 9
    )
    closed_after = WorkingCalendar([date(2026, 4, 8)])  # the overdue one skips the closed Wednesday
    assert replanned("draft_report", Lead.OVERDUE, draft_due, now, hours, closed_after) == london(
        date(2026, 4, 9), 9
    )


def _move(key: str, day: int) -> dict[str, object]:
    return {
        "from": f"2026-04-{day:02d}",
        "from_until": None,
        "key": key,
        "to": f"2026-04-{day + 1:02d}",
        "to_until": None,
        "working_days": 1,
    }


async def test_a_change_of_settings_tells_each_person_in_rows_of_one_message_each(world: World) -> None:
    """`_tell_across`: a person's moves on all their cases, about MOVES_PER_NOTICE a row (a case never
    split), each row one message; what a closed case moved is left out when it is sent."""
    await settle(world)
    case_ids = [world.case.id, world.case.id + 1000]  # the second is no case: left out when sent
    moves = [_move("draft_report", 1 + n) for n in range(12)]
    across = {
        world.inspector.id: [
            f"[{case_id}, {json.dumps({'moves': moves}, sort_keys=True)}]"
            for case_id in (*case_ids, case_ids[0])
        ]
    }
    async with world.db.transaction(counted=False) as conn:
        await outbox._tell_across(conn, world.db.reminding, across, world.clock.now, "rules")
    rows = [
        r for r in world.rows(person_id=world.inspector.id) if str(r["batch"]).startswith("notice:settings:")
    ]
    assert [len(json.loads(str(r["params"]))["cases"]) for r in rows] == [1, 1, 1]  # 12 + 12 > 20
    sent = await world.at(london(date(2026, 3, 31), 12, 10), INSPECTOR)
    assert len(sent) == 2, sent  # the row of no case says nothing
    for text in sent:
        first, *lines = text.splitlines()
        assert first.startswith("This version of the bot counts some deadlines differently")
        assert len(lines) == 12 and all(line.startswith("A deadline moved on <b>#") for line in lines)
        assert "Wednesday 1 April 2026 → <b>Thursday 2 April 2026</b> (1 working day later)" in text


async def test_a_notice_of_a_change_of_settings_keeps_within_one_message(world: World) -> None:
    """A row written with more moves than one message holds (long names, an older version's rows) says
    how many more and where to see them, within Telegram's limit."""
    await settle(world)
    moves = [_move("draft_report", 1 + n % 28) for n in range(60)]
    params = json.dumps({"cases": [[world.case.id, {"moves": moves}]], "why": "closures"})
    async with world.db.transaction(counted=False) as conn:
        await conn.execute(
            "INSERT INTO outbox (dedup, person_id, case_id, kind, batch, template, params, due_at,"
            " created_at) VALUES ('moved:settings:t:1', ?, NULL, 'notice', 'notice:settings:1', 'moved',"
            " ?, ?, ?)",
            (
                world.inspector.id,
                params,
                "2026-03-31T11:00:00.000000+00:00",
                "2026-03-31T11:00:00.000000+00:00",
            ),
        )
    [text] = await world.at(london(date(2026, 3, 31), 12, 10), INSPECTOR)
    lines = text.splitlines()
    assert lines[0].startswith("The working days have changed") and len(text) < 4096
    shown = len(lines) - 2
    assert 10 < shown < 60 and lines[-1] == f"… and {60 - shown} more: send /cases to see your deadlines."
