"""/invite ROLE [REF]: a one-time deep link. Managers invite anyone; inspectors the provider of their case."""

from __future__ import annotations

from html import escape
from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, filters

from handlers.button_fields import Ref
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.parsing import ArgumentError, command_text, parse_ref, split_args
from handlers.people import current_person, reply
from handlers.render import case_keyboard, which_case
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role
from workflows.dates import format_date
from workflows.invites import deep_link


class InviteAs(Button):
    """Whom to invite: a role, and for a provider (or an inspector put on it) the case; a provider's button
    without a case asks for one."""

    prefix = "inv"
    role: Literal["inspector", "manager", "provider"]
    ref: Ref | None = None


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
        [InviteAs(role="inspector").button("An inspector")],
        [InviteAs(role="provider").button("A provider (for a case)")],
        [InviteAs(role="manager").button("Another manager")],
    ]
    await update.effective_message.reply_text(
        "Who would you like to invite?", reply_markup=InlineKeyboardMarkup(rows), do_quote=False
    )


async def _ask_case(update: Update, context: InspectContext, person: Person) -> None:
    cases = await context.services.db.lists.pick(person)
    if not cases.total:
        await reply(update, "You have no open cases to invite a provider to.")
        return
    markup = case_keyboard(cases.items, lambda ref: InviteAs(role="provider", ref=ref))
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
    if person is None or query is None:
        return
    await query.answer()
    pressed = InviteAs.of(update)
    role = Role(pressed.role)
    if role == Role.PROVIDER and pressed.ref is None:
        await _ask_case(update, context, person)
        return
    await _make_invite(update, context, person, role, pressed.ref, edit=True)


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
        InviteAs.handler(invite_pressed),
    ]
