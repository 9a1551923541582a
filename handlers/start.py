"""/start (with or without an invitation code) and /help."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.context import Handler, InspectContext
from handlers.help_now import NowSection, now_section
from handlers.menu import set_menu
from handlers.people import NOT_INVITED, current_person, reply
from handlers.render import case_title
from store.errors import InvalidInput, InviteInvalid
from store.models import Case, Person, Role
from workflows.names import COMMON_WORDS, words

#: Asked in words, never a command: shown to every role.
_ASK = (
    "Or just ask: <i>when is the draft due?</i>, <i>when do my comments have to be in?</i>, "
    "<i>what's due this week?</i>, <i>is anything overdue?</i>"
)


def _common(ref: int | None, word: str | None) -> list[str]:
    """The commands every role has. Each is shown as it works: on the person's own case `ref` (their
    soonest), or, with no case yet, only the forms that need none."""
    if ref is None:
        return [
            "/cases: your open cases, each with its next deadline; /cases closed: the closed ones",
            "/reminders: the reminders coming to you",
            "Once you are on a case, /help shows its commands with its number.",
            _ASK,
            "/cancel: stop what you are doing",
        ]
    by_name = f" or /case {word}" if word else ""
    return [
        "/cases: your open cases, each with its next deadline; /cases closed: the closed ones",
        f"/case {ref}{by_name}: everything recorded on a case",
        f"/due {ref}: the upcoming deadlines of case #{ref}",
        f"/calendar {ref}: your deadlines on #{ref} as a calendar file, with reminders; "
        f"/timeline {ref}: a picture",
        f"/reminders: the reminders coming to you; /mute {ref}: no more reminders on #{ref}; "
        f"/unmute {ref}: reminders on #{ref} again",
        _ASK,
        "/cancel: stop what you are doing",
    ]


def _by_role(role: Role, case: Case | None, now: NowSection) -> list[str]:
    """The role's own commands. Those open only at some stages (notify, defer, comment, complain, the
    survey) are shown with a case where they work today ("What you can do now"), else said in words;
    /undo once something is recorded on the case."""
    ref = case.ref if case is not None else None
    recorded = case is not None and bool(case.events or case.judgement is not None or case.concerns)
    notify = now.command("notify")
    told = (
        f"{notify}: record that the provider was told of the inspection (they are told the dates)"
        if notify
        else "Recording that a provider was told of the inspection: its command is listed here when it is due"
    )
    record = f"/record {ref}: record what happened on #{ref} (visit ended, draft sent, judgement...)"
    undo = [f"/undo {ref}: take back the last thing recorded on #{ref}"] if recorded else []
    close = f"/close {ref}: close a case (completed, entered by mistake, withdrawn...)"
    if role is Role.MANAGER:
        lines = ["/newcase: set up an inspection"]
        if ref is not None:
            lines += [
                record,
                *undo,
                f"/edit {ref}: correct the planned days, the setting's name, its URN or the kind",
                f"{close}; /reopen: bring a closed one back",
            ]
        lines.append("/invite: invite an inspector, a provider or another manager")
        if ref is not None:
            lines += [
                f"/assign {ref}: put an inspector who has joined on case #{ref}",
                told,
                f"/feedback {ref}: the post-inspection survey's answers on #{ref}; "
                "/feedback: a summary across cases",
                f"/review {ref}: start or see the case review of #{ref} "
                "(its checklist, the debrief, the decision)",
            ]
        return [*lines, "/status: messages waiting, sent today and failed, and who can't be reached"]
    if role is Role.INSPECTOR:
        lines = ["/newcase: set up an inspection"]
        if ref is not None:
            lines += [
                record,
                *undo,
                f"/edit {ref} days: correct the planned on-site days",
                close,
                f"/invite provider {ref}: invite the provider of your case #{ref}",
                told,
            ]
        return lines
    offers = [
        (now.command("defer"), "ask the managers to defer the inspection of #{ref} (before it starts)"),
        (now.command("comment"), "send your comments on the draft report of #{ref}"),
        (now.command("complain"), "make a formal complaint about #{ref} (the steps, inside its window)"),
        (now.command("survey"), "answer (or carry on with) the short survey on #{ref}"),
    ]
    # Each command names its case last ('/defer 3'): the words name it too.
    lines = [f"{command}: {text.format(ref=command.split()[-1])}" for command, text in offers if command]
    if len(lines) < len(offers):
        lines.append(
            "Asking to defer, comments on the draft report, a formal complaint and the survey each open at "
            "a stage of the inspection: while one is open, its command is listed here"
        )
    return lines


_ROLE_NAMES = {
    Role.MANAGER: "a regulatory inspection manager",
    Role.INSPECTOR: "an inspector",
    Role.PROVIDER: "a provider",
}


def help_text(person: Person, now: NowSection | None = None) -> str:
    """The role's commands, each as it works today on the person's soonest case (`now`, from
    help_now.now_section): sent exactly as shown, none answers with its usage or a refusal."""
    now = now or NowSection("")
    case = now.cases[0] if now.cases else None
    ref = case.ref if case is not None else None
    word = _name_word(case) if case is not None else None
    lines = _by_role(person.role, case, now) + _common(ref, word)
    return "Here is what you can do:\n" + "\n".join(f"• {line}" for line in lines)


def _name_word(case: Case) -> str | None:
    """A word of the setting's name that finds the case (`/case oak`), lower case; None if none will."""
    # Not a word many names share ('house', 'the'): it would find other cases too (workflows.names).
    found = [w for w in words(case.setting.name) if w.isalpha() and len(w) >= 3 and w not in COMMON_WORDS]
    return found[0] if found else None


async def _help(context: InspectContext, person: Person) -> str:
    """/help's whole text: the commands, then "What you can do now"."""
    now = await now_section(context, person)
    return help_text(person, now) + "\n\n" + now.text


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
            + await _help(context, person),
        )
        return
    found = context.person  # read once for this update (handlers.context.load_person)
    if found is None:
        await reply(update, NOT_INVITED)
        return
    if user.first_name and user.first_name != found.display_name:
        found = await db.people.set_display_name(found, user.first_name)  # managers start unnamed
    await set_menu(context, user.id, found.role)
    await reply(update, f"Hello, {escape(found.display_name)}.\n\n" + await _help(context, found))


async def help_command(update: Update, context: InspectContext) -> None:
    """The role's commands, then what the person can do now on their cases (handlers.help_now)."""
    person = await current_person(update, context)
    if person is not None:
        await reply(update, await _help(context, person))


def handlers() -> list[Handler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", help_command, filters=private),
    ]
