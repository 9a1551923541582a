"""The case-life features' typed buttons and drafts: the data each button carries is what it was before the
classes (so a button already in a chat keeps working), each kind refuses the others' data and forged
numbers, and a draft is stored as the same JSON the handlers kept before."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest

from handlers.assign import AssignTo
from handlers.buttons import Button
from handlers.context import InspectContext
from handlers.invite import InviteAs
from handlers.lifecycle import (
    CloseAnyway,
    CloseDraft,
    CloseFor,
    DaysAnyway,
    DaysAsThey,
    EditDraft,
    EditField,
    KeepIt,
    KeepOpen,
    Picked,
    UndoIt,
)
from handlers.record import RecordCase, RecordDay, RecordDraft, RecordGrade, RecordWhat
from handlers.recorder import RecordNo, RecordYes
from handlers.reminder_buttons import DigestList, ReminderDid, ReminderDone, ReminderOpen, ReminderSnooze
from handlers.render import CLOSE_REASONS
from handlers.survey import SurveyAnswer, SurveyDraft, SurveyStep
from store.models import CloseReason

#: Each button as its class builds it, and the data the handlers built by hand before the classes.
BUILT: list[tuple[Button, str]] = [
    (RecordCase(ref=12), "rec:case:12"),
    (RecordWhat(key="draft_report"), "rec:what:draft_report"),
    (RecordWhat(key="child_data_list_2"), "rec:what:child_data_list_2"),  # dead before: no digits
    (RecordDay(day="yesterday"), "rec:day:yesterday"),
    (RecordGrade(grade="requires_improvement"), "rec:grade:requires_improvement"),
    (RecordGrade(grade="no"), "rec:grade:no"),
    (RecordYes(ref=12, key="final_report", day=date(2026, 3, 4)), "rec:ok:12:final_report:2026-03-04"),
    (RecordNo(ref=12), "rec:no:12"),
    (Picked(command="reopen", ref=3), "lc:reopen:3"),
    (CloseFor(ref=3, reason=CloseReason.WITHDRAWN), "close:3:withdrawn"),
    (CloseAnyway(ref=3), "clsok:3"),
    (KeepOpen(ref=3), "clsno:3"),
    (UndoIt(ref=3, entry=41), "undo:3:41"),
    (KeepIt(ref=3), "undo:3:keep"),
    (EditField(ref=3, what="single"), "edit:3:single"),
    (DaysAnyway(ref=3, first=date(2027, 3, 1), last=date(2027, 3, 12)), "edok:3:2027-03-01:2027-03-12"),
    (DaysAsThey(ref=3), "edno:3"),
    (AssignTo(ref=3, person=9), "asg:3:9"),
    (InviteAs(role="manager"), "inv:manager"),
    (InviteAs(role="provider", ref=3), "inv:provider:3"),
    (SurveyStep(request=7, step="later"), "sv:7:later"),
    (SurveyAnswer(request=7, question="overall", value="5"), "sv:7:overall:5"),
    (ReminderDone(row=5), "rem:done:5"),
    (ReminderDid(row=5, day="today"), "rem:did:5:today"),
    (ReminderSnooze(row=5), "rem:snooze:5"),
    (ReminderOpen(ref=3), "rem:open:3"),
    (DigestList(which="over"), "rem:list:over"),
]


@pytest.mark.parametrize(("button", "data"), BUILT, ids=[data for _, data in BUILT])
def test_each_button_keeps_its_data_and_only_its_own_class_reads_it(button: Button, data: str) -> None:
    assert button.pack() == data
    assert type(button).unpack(data) == button
    readers = {type(other).__name__ for other, _ in BUILT if type(other).matches(data)}
    assert readers == {type(button).__name__}


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (RecordCase, "rec:case:" + "9" * 10),  # more digits than a case number has: the database's crash
        (RecordCase, "rec:case:+12"),
        (RecordCase, "rec:case: 12"),
        (AssignTo, "asg:3:1_0"),
        (UndoIt, "undo:3:" + "1" * 13),
        (RecordYes, "rec:ok:12:final_report:2026-02-30"),
        (RecordWhat, "rec:what:Draft"),
        (CloseFor, "close:3:bored"),
        (InviteAs, "inv:provider:"),
        (SurveyAnswer, "sv:7:overall:6"),
        (ReminderDid, "rem:did:5:tomorrow"),
        (DigestList, "rem:list:all"),
    ],
)
def test_forged_data_matches_no_handler(kind: type[Button], data: str) -> None:
    assert not kind.matches(data)


def test_every_close_reason_the_store_knows_has_its_words_in_the_buttons_order() -> None:
    assert tuple(CloseReason) == tuple(CLOSE_REASONS)


def _context(user_data: dict[str, Any]) -> InspectContext:
    return cast(InspectContext, SimpleNamespace(user_data=user_data))


def test_drafts_are_stored_as_the_json_the_handlers_kept_before() -> None:
    user_data: dict[str, Any] = {}
    context = _context(user_data)
    RecordDraft(ref=12, key="end").save(context)
    EditDraft(ref=3, what="days").save(context)
    CloseDraft(ref=4).save(context)
    SurveyDraft(id=7).save(context)
    assert json.loads(json.dumps(user_data)) == {
        "record": {"ref": 12, "key": "end"},
        "edit": {"ref": 3, "what": "days"},
        "close": {"ref": 4},
        "survey": {"id": 7},
    }
    RecordDraft.drop(context)
    assert "record" not in user_data and RecordDraft.read(context) == RecordDraft()


def test_a_draft_saved_before_a_restart_reads_back_and_a_half_one_says_what_it_lacks() -> None:
    context = _context({"record": {"ref": 12}, "edit": {"ref": 3, "what": "urn"}})
    assert RecordDraft.read(context).case_ref() == 12
    with pytest.raises(LookupError):
        RecordDraft.read(context).what()
    assert EditDraft.read(context).chosen() == (3, "urn")
    assert SurveyDraft.read(context).id is None
