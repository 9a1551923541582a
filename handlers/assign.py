"""/assign 12 inspector Ian (or their number): a manager puts an inspector who has already joined on a case
(issue 20). The inspector is told, naming the case (an outbox notice written in the same transaction as the
change: store.cases.add_member); the manager is told who is now on it."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import CommandHandler, filters

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
    if ref is None or len(words) < 3 or words[1].lower() != "inspector":
        await reply(update, USAGE)
        return
    db = context.services.db
    who = " ".join(words[2:])
    inspector = await _inspector(context, who)
    if isinstance(inspector, str):
        await reply(update, inspector)
        return
    try:
        before = await db.cases.get(person, ref)
        if any(m.person_id == inspector.id for m in before.members):
            await reply(
                update, f"{escape(inspector.display_name)} is already on <b>{case_title(before)}</b>."
            )
            return
        after = await db.cases.add_member(person, ref, inspector.id, Role.INSPECTOR)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see the cases.")
        return
    except (InvalidInput, PermissionDenied) as exc:
        await reply(update, escape(str(exc)))
        return
    await reply(
        update,
        f"{escape(inspector.display_name)} is now on <b>{case_title(after)}</b> as its inspector; "
        "I've told them.",
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
    return [CommandHandler("assign", assign_command, filters=filters.ChatType.PRIVATE)]
