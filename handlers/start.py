"""/start (with or without an invitation code) and /help."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.context import Handler, InspectContext
from handlers.help_now import doable_now
from handlers.menu import set_menu
from handlers.people import NOT_INVITED, current_person, reply
from handlers.render import case_title
from store.errors import InvalidInput, InviteInvalid
from store.models import Person, Role

_COMMON = [
    "/cases: your open cases, each with its next deadline (/cases closed: the closed ones)",
    "/case 12 or /case oak: everything recorded on a case",
    "/due 12: the upcoming deadlines of case #12",
    "/calendar 12: your deadlines on #12 as a calendar file, with reminders; /timeline 12: a picture",
    "Or just ask: <i>when is the draft due?</i>, <i>when do my comments have to be in?</i>, "
    "<i>what's due this week?</i>, <i>is anything overdue?</i>",
    "/cancel: stop what you are doing",
]
_BY_ROLE: dict[Role, list[str]] = {
    Role.MANAGER: [
        "/newcase: set up an inspection",
        "/record: record what happened (visit ended, draft sent, judgement...)",
        "/undo 12: take back the last thing recorded on #12",
        "/edit 12: correct the planned days, the setting's name, its URN or the kind",
        "/close 12: close a case (completed, entered by mistake, withdrawn...); /reopen 12 brings it back",
        "/invite: invite an inspector, a provider or another manager",
        "/assign 12 inspector Ian: put an inspector who has joined on case #12 (by name or number)",
        "/notify 12: record that the provider of #12 was told of the inspection (they are told the dates)",
        "/feedback 12: the post-inspection survey's answers on #12; /feedback: a summary across cases",
        "/review 12: start or see the case review of #12 (its checklist, the debrief, then the decision)",
    ],
    Role.INSPECTOR: [
        "/newcase: set up an inspection",
        "/record: record what happened (visit ended, draft sent, judgement...)",
        "/undo 12: take back the last thing recorded on #12",
        "/edit 12 days: correct the planned on-site days",
        "/close 12: close a case (completed, entered by mistake, withdrawn...)",
        "/invite provider 12: invite the provider of your case #12",
        "/notify 12: record that the provider of #12 was told of the inspection (they are told the dates)",
    ],
    Role.PROVIDER: [
        "/defer 12: ask the managers to defer the inspection of #12 (before it starts; an unannounced one "
        "once inspectors arrive)",
        "/complain 12: make a formal complaint about #12 (the steps, inside its window)",
        "/comments 12: send your comments on the draft report of #12",
        "/survey: answer (or carry on with) the short survey Ofsted sends once the report is out",
    ],
}
_ROLE_NAMES = {
    Role.MANAGER: "a regulatory inspection manager",
    Role.INSPECTOR: "an inspector",
    Role.PROVIDER: "a provider",
}


def help_text(person: Person) -> str:
    lines = _BY_ROLE[person.role] + _COMMON
    return "Here is what you can do:\n" + "\n".join(f"• {line}" for line in lines)


async def start(update: Update, context: InspectContext) -> None:
    """Join with an invitation code from a deep link, or greet someone already invited."""
    user = update.effective_user
    if user is None:
        return
    db = context.services.db
    if context.args:
        try:
            person = await db.invites.redeem(context.args[0], user.id, user.first_name)
        except (InviteInvalid, InvalidInput) as exc:
            # InvalidInput: the link is for someone else (another role or setting); it stays usable.
            await reply(update, escape(str(exc)))
            return
        await set_menu(context, user.id, person.role)
        on = ""
        joined = await db.invites.joined_case(person)
        if joined is not None:  # the case the invitation was for, named (issue 20)
            word = "for" if person.role is Role.PROVIDER else "on"
            on = f" {word} {case_title(await db.cases.get(person, joined))}"
        await reply(
            update,
            f"Welcome, {escape(person.display_name)}. You have joined as {_ROLE_NAMES[person.role]}{on}.\n\n"
            + help_text(person)
            + "\n\n"
            + await doable_now(context, person),
        )
        return
    found = await db.people.get_by_telegram_id(user.id)
    if found is None:
        await reply(update, NOT_INVITED)
        return
    if user.first_name and user.first_name != found.display_name:
        found = await db.people.set_display_name(found, user.first_name)  # managers start unnamed
    await set_menu(context, user.id, found.role)
    hello = f"Hello, {escape(found.display_name)}.\n\n" + help_text(found)
    await reply(update, hello + "\n\n" + await doable_now(context, found))


async def help_command(update: Update, context: InspectContext) -> None:
    """The role's commands, then what the person can do now on their cases (handlers.help_now)."""
    person = await current_person(update, context)
    if person is not None:
        await reply(update, help_text(person) + "\n\n" + await doable_now(context, person))


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command, filters=private),
    ]
