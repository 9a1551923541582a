""" "How do I complain?" asked in plain words: the window's last day for the case first (or, outside it,
why and where to go instead), then the steps of the kind's complaints procedure from the seeds.

The case comes from the question ("how do I complain about #12?"), or is the person's only open case, or
is picked from buttons (`cmpl:<ref>`, `ComplainAbout`, checked again on the press).
"""

from __future__ import annotations

from html import escape

from telegram import Update

from handlers.button_fields import Ref
from handlers.buttons import Button
from handlers.complaint_window import complaint_window, window_words
from handlers.context import Handler, InspectContext
from handlers.people import current_person, drop_buttons, reply
from handlers.render import case_keyboard, case_title, cited, which_case
from store.errors import NotFound
from store.models import Case, Person, Role
from workflows import complaints
from workflows.flows import Refused
from workflows.kinds import KINDS


class ComplainAbout(Button):
    """'cmpl:<ref>': the case a complaint question is about, picked."""

    prefix = "cmpl"
    ref: Ref


def answer(case: Case, person: Person, context: InspectContext) -> str:
    """The window (or why not, and where to go), then the steps; staff see each step's seed and line."""
    services = context.services
    kind = KINDS[case.kind]
    title = case_title(case)
    try:
        found = complaint_window(services, person.role, case)
    except Refused as exc:
        head = f"<b>{title}</b>: {escape(str(exc))}"
    else:
        when, rule = window_words(services, case, found)
        make = (
            f" Send /complain {case.ref} to make it here: I'll pass it to the managers."
            if person.role is Role.PROVIDER
            else ""
        )
        head = f"A formal complaint about <b>{title}</b> can be made {when}.{make}{rule}"
    steps = complaints.STEPS.get(kind.id, ())
    if not steps:
        return head
    lines = [f"{n}. {escape(step.text)}{cited(step.source, person.role)}" for n, step in enumerate(steps, 1)]
    return f"{head}\n\nThe steps ({escape(kind.name.lower())}):\n" + "\n".join(lines)


async def complain_question(update: Update, context: InspectContext, person: Person, ref: int | None) -> None:
    """Answer for the case named, the only open case, or ask which with buttons."""
    db = context.services.db
    if ref is None:
        page = await db.lists.pick(person)
        if page.total > 1:
            assert update.effective_message is not None
            question = "Which case is the complaint about?"
            await update.effective_message.reply_text(
                which_case(question, page.items, "how do I complain about #12?", page.total),
                reply_markup=case_keyboard(page.items, lambda ref: ComplainAbout(ref=ref)),
                do_quote=False,
            )
            return
        if not page.items:
            await reply(
                update,
                "You have no open cases. Complaints about Ofsted go through its complaints procedure: "
                f"{complaints.PROCEDURE_URL}.",
            )
            return
        ref = page.items[0].ref
    try:
        case = await db.cases.get(person, ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    await reply(update, answer(case, person, context))


async def case_picked(update: Update, context: InspectContext) -> None:
    """A case pressed under "Which case is the complaint about?": checked again, then answered."""
    query = update.callback_query
    person = await current_person(update, context)  # a refusal answers the press itself
    if person is None or query is None:
        return
    await query.answer()
    try:
        case = await context.services.db.cases.get(person, ComplainAbout.of(update).ref)
    except NotFound as exc:
        await reply(update, escape(str(exc)))
        return
    await drop_buttons(update)
    await reply(update, answer(case, person, context))


def handlers() -> list[Handler]:
    return [ComplainAbout.handler(case_picked)]
