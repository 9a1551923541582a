"""/invite ROLE [REF]: a one-time deep link. Managers invite anyone; inspectors the provider of their case."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from handlers.context import Handler, InspectContext
from handlers.parsing import REF_DATA, ArgumentError, command_text, parse_ref, split_args
from handlers.people import current_person, reply
from handlers.render import case_keyboard, which_case
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role
from workflows.dates import format_date
from workflows.invites import deep_link

_PREFIX = "inv"
_USAGE = (
    "Send <code>/invite inspector</code> (or <code>/invite inspector 12</code> to put them on case #12), "
    "<code>/invite manager</code> or <code>/invite provider 12</code> (the provider of case #12)."
)


async def invite_command(update: Update, context: InspectContext) -> None:
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return
    if person.role == Role.PROVIDER:
        await reply(update, "Only inspectors and managers can invite people.")
        return
    try:
        words = split_args(command_text(message.text or ""))
    except ArgumentError as exc:
        await reply(update, escape(str(exc)))
        return
    if not words:
        await _ask_role(update, context, person)
        return
    role_word = words[0].lower()
    if role_word not in {r.value for r in Role} or len(words) > 2:
        await reply(update, f"I can't invite '{escape(words[0][:40])}'. {_USAGE}")
        return
    ref = None
    if len(words) == 2:
        ref = parse_ref(words[1])
        if ref is None:
            await reply(update, f"I couldn't read '{escape(words[1][:40])}' as a case number. {_USAGE}")
            return
    await _make_invite(update, context, person, Role(role_word), ref)


async def _ask_role(update: Update, context: InspectContext, person: Person) -> None:
    assert update.effective_message is not None
    if person.role == Role.INSPECTOR:
        await _ask_case(update, context, person)
        return
    rows = [
        [InlineKeyboardButton("An inspector", callback_data=f"{_PREFIX}:inspector")],
        [InlineKeyboardButton("A provider (for a case)", callback_data=f"{_PREFIX}:provider")],
        [InlineKeyboardButton("Another manager", callback_data=f"{_PREFIX}:manager")],
    ]
    await update.effective_message.reply_text(
        "Who would you like to invite?", reply_markup=InlineKeyboardMarkup(rows), do_quote=False
    )


async def _ask_case(update: Update, context: InspectContext, person: Person) -> None:
    cases = await context.services.db.lists.pick(person)
    if not cases.total:
        await reply(update, "You have no open cases to invite a provider to.")
        return
    markup = case_keyboard(cases.items, f"{_PREFIX}:provider")
    text = which_case("The provider of which case?", cases.items, "/invite provider 12", cases.total)
    query = update.callback_query
    if query is not None:
        await query.edit_message_text(text, reply_markup=markup)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(text, reply_markup=markup, do_quote=False)


async def invite_pressed(update: Update, context: InspectContext) -> None:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return
    await query.answer()
    parts = query.data.split(":")
    role = Role(parts[1])
    if role == Role.PROVIDER and len(parts) == 2:
        await _ask_case(update, context, person)
        return
    ref = int(parts[2]) if len(parts) == 3 else None
    await _make_invite(update, context, person, role, ref, edit=True)


async def _make_invite(
    update: Update, context: InspectContext, person: Person, role: Role, ref: int | None, edit: bool = False
) -> None:
    services = context.services
    if role == Role.PROVIDER and ref is None:
        await reply(update, "A provider is invited to a case. " + _USAGE)
        return
    try:
        invite = await services.db.invites.create(person, role, case_ref=ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    except (PermissionDenied, InvalidInput) as exc:
        await reply(update, escape(str(exc)))
        return
    link = deep_link(services.bot_username, invite.code)
    whom = f"a new {role.value}" + (f" on case #{ref}" if ref is not None else "")
    if role == Role.PROVIDER:
        whom = f"the provider of case #{ref}"
    text = (
        f"Here is an invitation for {whom}. Send this link to them only: it works once and expires on "
        f"{format_date(invite.expires_at.astimezone(services.zone).date())}.\n{escape(link)}"
    )
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(text, parse_mode="HTML", disable_web_page_preview=True)
    else:
        await reply(update, text)


def handlers() -> list[Handler]:
    return [
        CommandHandler("invite", invite_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(
            invite_pressed, pattern=rf"^{_PREFIX}:(inspector|manager|provider)(:{REF_DATA})?$"
        ),
    ]
