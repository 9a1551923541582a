"""/complain REF (issue 11): the provider's formal complaint, inside its window, after the steps of the
kind's procedure; said back with Send before it goes to the managers, who Respond (handlers/decide.py).
This module also says what each complaint event reads."""

from __future__ import annotations

from html import escape
from typing import Literal

from telegram import Update
from telegram.ext import ConversationHandler

from handlers.buttons import Button
from handlers.complaint_window import complaint_window, window_words
from handlers.context import Handler, InspectContext, Services
from handlers.conversation import conversation, expect_button, expect_text, private_command
from handlers.drafts import Draft
from handlers.people import current_person, drop_buttons, reply
from handlers.render import case_title
from handlers.request_base import NO_DETAILS, REFUSED, provider_case, said_back, typed_then_confirm
from store.models import Case, Person, Role
from store.requests import Request
from workflows import complaints
from workflows.flows import Refused
from workflows.kinds import KINDS

COMPLAIN_TEXT, COMPLAIN_CONFIRM = "complain:text", "complain:confirm"


class SendComplaint(Button):
    """'cpc:send': Send the complaint."""

    prefix = "cpc"
    action: Literal["send"] = "send"


class ComplainDraft(Draft):
    key = "complain"
    ref: int
    text: str | None = None


def describe(services: Services, person: Person, request: Request, case: Case, event: str, who: str) -> str:
    """A complaint's event, said to someone on the case who did not do it."""
    p = request.payload
    title = case_title(case)
    if event == complaints.MAKE:
        return f"<b>{who}</b> made a formal complaint about <b>{title}</b>:\n{escape(str(p.get('text')))}"
    if event == complaints.RESPOND:
        response = f":\n{escape(str(p['response']))}" if p.get("response") else "."
        return f"{who} recorded Ofsted's response to your complaint about <b>{title}</b>{response}"
    return f"The complaint about <b>{title}</b> was withdrawn by {who}."


async def complain_command(update: Update, context: InspectContext) -> str | int:
    """/complain REF: the steps of the kind's procedure, then the complaint typed, inside its window."""
    refusal = "Only the provider of a case can make a formal complaint about it."
    case = await provider_case(update, context, "complain", refusal)
    if case is None:
        return ConversationHandler.END
    kind = KINDS[case.kind]
    steps = "\n".join(f"{n}. {escape(text)}" for n, text in enumerate(complaints.steps_text(kind), 1))
    try:
        found = complaint_window(context.services, Role.PROVIDER, case)  # provider_case: theirs
    except Refused as exc:
        await reply(update, escape(str(exc)) + (f"\n\nThe steps:\n{steps}" if steps else ""))
        return ConversationHandler.END
    ComplainDraft(ref=case.ref).save(context)
    until, rule = window_words(context.services, case, found)
    await reply(
        update,
        f"A formal complaint about <b>{case_title(case)}</b> can be made {until}.{rule}\n\n"
        f"The steps:\n{steps}\n\n"
        f"What is the complaint about? Type it (up to {complaints.TEXT_LIMIT} characters), or /cancel. "
        f"{NO_DETAILS}",
    )
    return COMPLAIN_TEXT


async def complaint_typed(update: Update, context: InspectContext) -> str | int:
    answers = ComplainDraft.read(context)

    def keep(text: str) -> tuple[int, list[str]]:
        answers.text = text
        answers.save(context)
        return answers.ref, said_back(answers.text)

    return await typed_then_confirm(
        update,
        keep,
        SendComplaint().button("Send the complaint"),
        "Send this formal complaint about case #{ref} to the managers?{said}\nPress Send, or /cancel.",
        COMPLAIN_CONFIRM,
        limit=(complaints.TEXT_LIMIT, COMPLAIN_TEXT),
    )


async def complaint_confirmed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return ConversationHandler.END
    await query.answer()
    await drop_buttons(update)
    answers = ComplainDraft.read(context)
    ComplainDraft.drop(context)
    try:
        sent = await context.services.db.requests.open(
            person, answers.ref, "complaint", complaints.MAKE, {"text": answers.text}
        )
    except REFUSED as exc:
        await reply(update, escape(str(exc)) + " Nothing was sent; send /complain to start again.")
        return ConversationHandler.END
    await reply(
        update,
        f"Sent: your complaint about case #{sent.request.case_ref} is recorded and the managers are told.",
    )
    return ConversationHandler.END


def handlers() -> list[Handler]:
    return [
        conversation(
            ComplainDraft.key,
            private_command("complain", complain_command),
            {
                COMPLAIN_TEXT: [expect_text(complaint_typed)],
                COMPLAIN_CONFIRM: [SendComplaint.handler(complaint_confirmed), expect_button()],
            },
        ),
    ]
