"""Recording one thing on a case, and asking first when it is possible but odd: what /record and a
reminder's Done button share (handlers.record, handlers.reminders).

What is odd (a final report before the comments deadline, a visit longer than its kind allows,
workflows.recording.record_warnings) is asked with Yes / No buttons that carry the case, the key and the
date they confirm (`rec:ok:REF:KEY:DATE`); the recording is checked again as any other when Yes is pressed.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Annotated, Literal

from pydantic import StringConstraints
from telegram import InlineKeyboardMarkup

from handlers.button_fields import Ref
from handlers.buttons import Button
from handlers.context import InspectContext
from handlers.parsing import ArgumentError
from handlers.render import case_title, change_line, event_label
from handlers.timeline import case_timeline
from store.consistency import case_dates
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person
from workflows import notices
from workflows.changes import diff
from workflows.dates import format_date
from workflows.errors import TimelineError
from workflows.kinds import get_kind
from workflows.recording import CONCERNS, JUDGEMENT, check_record, record_warnings

#: A milestone key in button data: lower case words and numbers joined by "_" (la-sif's
#: `child_data_list_2`; the patterns before the typed buttons left digits out, so those buttons were dead).
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class RecordYes(Button):
    """Yes on "record it anyway?": what it confirms, recorded (and checked) again when pressed."""

    prefix = "rec"
    answer: Literal["ok"] = "ok"
    ref: Ref
    key: Key
    day: date


class RecordNo(Button):
    """No on "record it anyway?": nothing changes."""

    prefix = "rec"
    answer: Literal["no"] = "no"
    ref: Ref


#: Words people use for what happened, mapped to the keys the rules use.
ALIASES = {
    "visit_ended": "end",
    "ended": "end",
    "feedback": "end",
    "started": "start",
    "draft": "draft_report",
    "draft_sent": "draft_report",
    "comments": "provider_comments",
    "comments_received": "provider_comments",
    "final": "final_report",
    "final_sent": "final_report",
    "published": "publication",
    "grade": JUDGEMENT,
    "concern": CONCERNS,
}


async def apply(context: InspectContext, person: Person, ref: int, key: str, value: str) -> tuple[bool, str]:
    """Record one thing and say what it changed downstream. Returns (done, message)."""
    services = context.services
    db = services.db
    key = ALIASES.get(key.lower(), key.lower())
    try:
        before_case = await db.cases.get(person, ref)
        before = case_timeline(before_case, services.calendar)
        outcome = key in (JUDGEMENT, CONCERNS)
        reviews = len(await db.requests.for_case(person, ref, "case_review")) if outcome else 0
        notice = ""
        if key == JUDGEMENT and not get_kind(before_case.kind).grades:
            return False, _no_judgement(before_case)
        if key == JUDGEMENT:
            grade = "_".join(value.lower().split())
            after_case = await db.cases.set_outcome(person, ref, judgement=grade)
            unchanged = before_case.judgement == grade
            what = f"judgement: {escape(get_kind(after_case.kind).grade_label(grade).lower())}"
        elif key == CONCERNS:
            flag = _yes_no(value)
            after_case = await db.cases.set_outcome(person, ref, concerns=flag)
            unchanged = before_case.concerns == flag
            what = "serious or widespread concerns" if flag else "no serious or widespread concerns"
        else:
            day = date.fromisoformat(value)
            after_case = await db.cases.record_event(person, ref, key, day)
            key, notice = _notice(before_case, after_case, key, day)  # compliance_date may be notice 2
            unchanged = before_case.events.get(key) == day
            what = f"{escape(event_label(before_case.kind, key).lower())} on {format_date(day)}"
    except NotFound as exc:
        return False, escape(str(exc)) + " Send /cases to see yours."
    except (PermissionDenied, InvalidInput, TimelineError, ArgumentError) as exc:
        return False, escape(str(exc))
    after = case_timeline(after_case, services.calendar)
    changes = [change_line(c) for c in diff(before, after, services.calendar) if c.key != key]
    lines = [f"Recorded for <b>{case_title(after_case)}</b>: {what}."]
    if notice == _SAME_NOTICE:
        lines = [f"Already recorded for <b>{case_title(after_case)}</b>: {what}. {notice}"]
    elif unchanged:  # said as such, or /undo would seem to skip it: nothing was added to undo
        return True, f"Already recorded for <b>{case_title(after_case)}</b>: {what}. Nothing changed."
    elif notice:
        lines.append(notice)
    lines += ["", "What changed:", *changes] if changes else ["No other deadline moved."]
    if outcome and len(await db.requests.for_case(person, ref, "case_review")) > reviews:
        lines.append("The managers are prompted for the case review.")
    return True, "\n".join(lines)


def _no_judgement(case: Case) -> str:
    """A kind without grades (an assurance visit): say so, and what can be recorded instead."""
    kind = get_kind(case.kind)
    instead = (
        f" You can record whether there were serious or widespread concerns: "
        f"<code>/record {case.ref} concerns yes</code> or <code>no</code>."
        if kind.uses_concerns
        else f" Send <code>/record {case.ref}</code> to see what can be recorded."
    )
    return f"{escape(kind.name)} ({case_title(case)}) has no judgement to record.{instead}"


#: A compliance date recorded again: the same notice (or another with that date, which its visit checks).
_SAME_NOTICE = "Nothing changed: notices that share a compliance date share a monitoring visit (000 L1399)."


def _notice(before: Case, after: Case, key: str, day: date) -> tuple[str, str]:
    """The key a date went under (a further compliance date becomes compliance_date_2, workflows.notices)
    and, for a compliance notice, a line on what that means: empty for any other date."""
    kind = get_kind(after.kind)
    stored = notices.key_for(kind, key, day, after.events)
    base, n = kind.occurrence_of(stored)
    trigger = kind.trigger(base)
    if trigger is None or not trigger.repeats:
        return stored, ""
    if before.events.get(stored) == day:
        return stored, _SAME_NOTICE
    if n > 1 and stored not in before.events:
        return stored, (
            "That is a further notice: the earlier ones and their monitoring visits stay. To correct a "
            f"notice's date, record its key with the right date: <code>/record {after.ref} {stored} DATE"
            f"</code> ({base}_1 for the first)."
        )
    return stored, ""


def _yes_no(value: str) -> bool:
    word = value.strip().lower()
    if word in {"yes", "y", "true"}:
        return True
    if word in {"no", "n", "false"}:
        return False
    raise ArgumentError(f"I couldn't read '{value.strip()[:20]}' as yes or no.")  # escaped by the caller


async def ask_first(
    context: InspectContext, person: Person, ref: int, key: str, value: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question to ask before recording `key` on `value` when it is possible but odd, else None.

    None too when it would be refused anyway: `apply` then says why, and nothing is asked for nothing.
    """
    services = context.services
    key = ALIASES.get(key.lower(), key.lower())
    if key in (JUDGEMENT, CONCERNS):
        return None
    try:
        day = date.fromisoformat(value)
        case = await services.db.cases.get(person, ref)
        kind = get_kind(case.kind)
        dates = case_dates(case)
        check_record(kind, key, day, services.today(), dates, services.calendar)
        warnings = record_warnings(kind, key, day, dates, services.calendar)
    except (ValueError, NotFound):  # TimelineError is a ValueError: the refusal is apply's to give
        return None
    if not warnings:
        return None
    what = f"{escape(event_label(case.kind, key).lower())} on {format_date(day)}"
    lines = ["<b>Please check:</b>", *[f"⚠️ {escape(w)}" for w in warnings], ""]
    lines.append(f"Record {what} for <b>{case_title(case)}</b> anyway?")
    markup = InlineKeyboardMarkup(
        [[RecordYes(ref=ref, key=key, day=day).button("Yes, record it"), RecordNo(ref=ref).button("No")]]
    )
    return "\n".join(lines), markup
