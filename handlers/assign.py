"""/assign 12 inspector Ian (or their number): a manager puts an inspector who has already joined on a case
(issue 20). The inspector is told, naming the case (an outbox notice written in the same transaction as the
change: store.cases.add_member); the manager is told who is now on it."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, filters

from handlers.button_fields import Ref, RowId
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, reply
from handlers.render import case_title, quoted
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role

USAGE = (
    "Send <code>/assign 12 inspector Ian</code>: the case, then the inspector's name (or their number). "
    "They must have joined already; to add someone new, send /invite."
)


async def assign_command(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return
    if person.role is not Role.MANAGER:
        await reply(update, "Only managers can put an inspector on a case.")
        return
    words = command_text(message.text or "").split()
    ref = parse_ref(words[0]) if words else None
    if ref is not None and (len(words) == 1 or (len(words) == 2 and words[1].lower() == "inspector")):
        await _offer(update, context, person, ref)  # the step-by-step form: the inspectors as buttons
        return
    if ref is None or len(words) < 3 or words[1].lower() != "inspector":
        await reply(update, USAGE)
        return
    who = " ".join(words[2:])
    inspector = await _inspector(context, who)
    if isinstance(inspector, str):
        await reply(update, inspector)
        return
    await reply(update, await _assign(context, person, ref, inspector))


class AssignTo(Button):
    """An inspector offered by `/assign 12`: checked again on press (a manager, the case, an active
    inspector)."""

    prefix = "asg"
    ref: Ref
    person: RowId


_OFFERED = 12


async def _offer(update: Update, context: InspectContext, person: Person, ref: int) -> None:
    """`/assign 12`: the inspectors who have joined, one button each (the first 12 by name)."""
    db = context.services.db
    try:
        case = await db.cases.get(person, ref)
    except (NotFound, PermissionDenied) as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see the cases.")
        return
    on_case = {m.person_id for m in case.members}
    joined = [
        p
        for p in await db.people.inspectors_named("", limit=_OFFERED + 1 + len(on_case))
        if p.id not in on_case
    ]
    if not joined:
        await reply(
            update,
            f"No other inspector has joined yet to put on <b>{case_title(case)}</b>. Invite one with "
            f"/invite inspector {case.ref}.",
        )
        return
    more = (
        f" (the first {_OFFERED}; for another, send <code>/assign {case.ref} inspector NAME</code>)"
        if len(joined) > _OFFERED
        else ""
    )
    rows = [[AssignTo(ref=case.ref, person=p.id).button(p.display_name[:60])] for p in joined[:_OFFERED]]
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        f"Which inspector should be on <b>{case_title(case)}</b>?{more}",
        reply_markup=InlineKeyboardMarkup(rows),
        do_quote=False,
    )


async def assign_pressed(update: Update, context: InspectContext) -> None:
    """A button of `/assign 12`: everything is checked again as for the one-line form."""
    query = update.callback_query
    person = await current_person(update, context)
    if query is None or person is None:
        return
    await query.answer()
    pressed = AssignTo.of(update)
    if person.role is not Role.MANAGER:
        await query.edit_message_text("Only managers can put an inspector on a case. Nothing was changed.")
        return
    inspector = await context.services.db.people.inspector_numbered(pressed.person)
    if inspector is None or inspector.id != pressed.person:
        await query.edit_message_text("That inspector is no longer active. Nothing was changed.")
        return
    await query.edit_message_text(await _assign(context, person, pressed.ref, inspector), parse_mode="HTML")


async def _assign(context: InspectContext, person: Person, ref: int, inspector: Person) -> str:
    """Put `inspector` on case `ref`; what to tell the manager (the store tells the inspector)."""
    db = context.services.db
    try:
        before = await db.cases.get(person, ref)
        if any(m.person_id == inspector.id for m in before.members):
            return f"{escape(inspector.display_name)} is already on <b>{case_title(before)}</b>."
        after = await db.cases.add_member(person, ref, inspector.id, Role.INSPECTOR)
    except NotFound as exc:
        return escape(str(exc)) + " Send /cases to see the cases."
    except (InvalidInput, PermissionDenied) as exc:
        return escape(str(exc))
    return (
        f"{escape(inspector.display_name)} is now on <b>{case_title(after)}</b> as its inspector; "
        "I've told them."
    )


async def _inspector(context: InspectContext, who: str) -> Person | str:
    """The one active inspector meant by a number or a name, else what to tell the manager."""
    people = context.services.db.people
    if who.isdigit():
        found = await people.inspector_numbered(int(who))
        return found if found is not None else f"I can't find an inspector numbered {quoted(who)}."
    named = await people.inspectors_named(who)
    if not named:
        return (
            f"I can't find an inspector called '{quoted(who)}'. Someone new joins with an invitation: "
            "send /invite."
        )
    if len(named) > 1:
        names = ", ".join(escape(p.display_name) for p in named)
        return f"Several inspectors match '{quoted(who)}': {names}. Give more of the name."
    return named[0]


def handlers() -> list[Handler]:
    return [
        CommandHandler("assign", assign_command, filters=filters.ChatType.PRIVATE),
        AssignTo.handler(assign_pressed),
    ]
