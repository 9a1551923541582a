"""The post-inspection survey in chat (issue 11): the offer's buttons, one question per message, /survey to
carry on after a break, and the managers' /feedback.

The answers live in the survey request's payload (store.requests), not in the conversation: each rating
button carries the request and its question (`sv:<id>:<question>:<1-5|skip>`) and is checked against the
question the payload is at, so a button of an earlier question changes nothing; the conversation only
marks that the next typed message is the written answer (`SurveyDraft`), and the payload says which
question it is for.
After a restart the person carries on where they stopped, by the buttons or /survey.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Literal

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CommandHandler, ConversationHandler

from handlers.button_fields import Ref, Word
from handlers.buttons import Button
from handlers.context import Handler, InspectContext
from handlers.conversation import conversation, expect_text, private_command
from handlers.drafts import Draft
from handlers.parsing import command_text, parse_ref
from handlers.people import current_person, reply
from handlers.render import case_title
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person, Role
from store.requests import Request
from workflows import survey
from workflows.dates import format_date

_DRAFT = "survey"
SURVEY_TEXT = "survey:text"


class SurveyStep(Button):
    """Start (or carry on), Not now (it keeps), or No thanks, on survey request `request`."""

    prefix = "sv"
    request: Ref
    step: Literal["start", "later", "decline"]


class SurveyAnswer(Button):
    """A rating (1 to 5) or Skip, for `question`: checked against the question the payload is at."""

    prefix = "sv"
    request: Ref
    question: Word
    value: Literal["1", "2", "3", "4", "5", "skip"]


class SurveyDraft(Draft):
    """The survey whose written answer the next typed message is."""

    key = _DRAFT
    id: int | None = None


#: What each moment of the survey (workflows.survey.MOMENTS) says happened, with its date.
_SENT = {
    "draft_report": "The draft report on <b>{title}</b> was sent to you on {day}.",
    "final_report": "The final report on <b>{title}</b> was sent to you on {day}.",
    "publication": "The report on <b>{title}</b> was published on {day}.",
    "end": "The visit to <b>{title}</b> ended on {day}.",
}
_REFUSED = (InvalidInput, NotFound, PermissionDenied)
_KIND = survey.MACHINE.kind
_NO_DETAILS = "Please don't include children's names or other personal details."
#: How many case numbers the managers' summary names before it says "and N more".
_CASES_NAMED = 30


# ---------------------------------------------------------------- what the messages say


def question_message(request_id: int, question: survey.Question) -> tuple[str, InlineKeyboardMarkup]:
    """One question: ratings as buttons 1 to 5, a written answer typed; Skip on every question."""
    number = survey.QUESTIONS.index(question) + 1
    head = f"Question {number} of {len(survey.QUESTIONS)}: <b>{escape(question.text)}</b>"
    skip = [SurveyAnswer(request=request_id, question=question.key, value="skip").button("Skip")]
    if question.rating:
        scale = [
            SurveyAnswer(request=request_id, question=question.key, value=n).button(n)
            for n in ("1", "2", "3", "4", "5")
        ]
        return f"{head}\n1 is poor, 5 is very good.", InlineKeyboardMarkup([scale, skip])
    return (
        f"{head}\nType your answer (up to {survey.TEXT_LIMIT} characters), or press Skip. {_NO_DETAILS}",
        InlineKeyboardMarkup([skip]),
    )


def notice(request: Request, case: Case, event: str, who: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """A survey's outbox message (handlers.request_messages.render_request): the offer to the providers, with
    Start / Not now while it still waits for them; the managers' word that it was finished."""
    title = case_title(case)
    if event == survey.FINISH:
        return (
            f"{who} finished the post-inspection survey on <b>{title}</b>. "
            f"Send /feedback {case.ref} to read the answers.",
            None,
        )
    text = (
        f"{_opening(request, case)} Ofsted would like to know how the inspection went for you: "
        f"{len(survey.QUESTIONS)} short questions, each of which you can skip. It takes about two minutes."
    )
    if request.state == survey.OFFERED:
        buttons = [
            SurveyStep(request=request.id, step="start").button("Start the survey"),
            SurveyStep(request=request.id, step="later").button("Not now"),
        ]
        no_thanks = SurveyStep(request=request.id, step="decline").button("No thanks")
        return text, InlineKeyboardMarkup([buttons, [no_thanks]])
    if request.state == survey.ANSWERING:
        go_on = SurveyStep(request=request.id, step="start").button("Carry on with the survey")
        return text, InlineKeyboardMarkup([[go_on]])
    return f"{text}\nYou have already {request.state} it: thank you.", None


def _opening(request: Request, case: Case) -> str:
    """What was sent, with its date, said as done: the offer may reach the provider before the draft's own
    notice, so it must not speak of a report they have not been told of (children's homes: offered with
    the draft and again with the final report, workflows.survey)."""
    title = case_title(case)
    moment = survey.MOMENTS.get(case.kind)
    events = moment.events if moment is not None else ()
    if request.payload.get("offered_again_on") and moment is not None and moment.again is not None:
        event: str | None = moment.again
    else:
        offered_with = request.payload.get("offered_with")
        named = [e for e in events if isinstance(offered_with, list) and e in offered_with]
        event = named[0] if named else next((e for e in events if e in case.events), None)
    day = case.events.get(event) if event is not None else None
    if event is None or day is None or event not in _SENT:
        return f"The inspection of <b>{title}</b> is over."
    return _SENT[event].format(title=title, day=format_date(day))


def _answers(request: Request) -> dict[str, object]:
    answers = request.payload.get("answers")
    return answers if isinstance(answers, dict) else {}


def _answer_text(request: Request, question: survey.Question) -> str:
    answers = _answers(request)
    if question.key not in answers:
        return "not answered yet"
    value = answers[question.key]
    if value is None:
        purged = request.purged_at is not None and question.key in survey.FLOW.free_text
        return "removed with the case's records" if purged else "skipped"
    if question.rating:
        return f"<b>{value}</b> out of 5"
    return f"“{escape(str(value))}”"


def _progress(request: Request) -> str:
    p = request.payload
    if request.state == survey.DONE:
        return f"finished on {_day(p.get('finished_on'))}"
    if request.state == survey.DECLINED:
        return f"declined on {_day(p.get('declined_on'))}"
    answered = len(_answers(request))
    if request.state == survey.ANSWERING:
        return f"started, {answered} of {len(survey.QUESTIONS)} questions answered or skipped"
    return f"offered on {_day(p.get('offered_on'))}, not started"


def _day(value: object) -> str:
    try:
        return format_date(date.fromisoformat(str(value)))
    except ValueError:
        return "an unknown day"


def case_answers(case: Case, requests: list[Request]) -> str:
    """A case's surveys for its managers: where each stands, then every question's answer."""
    if not requests:
        return (
            f"No survey has been offered on <b>{case_title(case)}</b> yet: it goes out when the report is "
            "recorded as sent (or the visit as over, as the kind of inspection says)."
        )
    parts = []
    for request in requests:
        lines = [f"Survey on <b>{case_title(case)}</b>: {_progress(request)}."]
        if request.state != survey.DECLINED:
            lines += [f"• {escape(q.text)} {_answer_text(request, q)}" for q in survey.QUESTIONS]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def across_cases(requests: list[Request]) -> str:
    """The managers' summary: how many surveys stand where, each rating's average and skips (from the
    finished ones, through `survey.summary`), how many wrote something, and which cases to look at."""
    if not requests:
        return (
            "No post-inspection survey has been offered on the cases you can see yet. It goes out when a "
            "case's report is recorded as sent (or the visit as over, as the kind says)."
        )
    finished = [r for r in requests if r.state == survey.DONE]
    by_state = {s: sum(r.state == s for r in requests) for s in survey.MACHINE.states}
    lines = [
        f"Post-inspection surveys on the cases you can see: {len(requests)} offered, "
        f"{by_state[survey.DONE]} finished, {by_state[survey.DECLINED]} declined, "
        f"{by_state[survey.OFFERED] + by_state[survey.ANSWERING]} not finished."
    ]
    if finished:
        figures = survey.summary([r.payload for r in finished])
        lines.append(f"From the {len(finished)} finished:")
        for question in survey.QUESTIONS:
            if question.rating:
                found = figures[question.key]
                skipped = len(finished) - found["answers"]
                mean = "no ratings" if found["mean"] is None else f"average <b>{found['mean']:g}</b> out of 5"
                count = f"{_count(found['answers'], 'answer')} ({skipped} skipped)"
                lines.append(f"• {escape(question.text)} {mean} from {count}")
            else:
                written = sum(isinstance(_answers(r).get(question.key), str) for r in finished)
                lines.append(
                    f"• {escape(question.text)} {written} wrote an answer ({len(finished) - written} skipped)"
                )
        refs = sorted({r.case_ref for r in finished})
        named = ", ".join(f"#{ref}" for ref in refs[:_CASES_NAMED])
        more = f" and {len(refs) - _CASES_NAMED} more" if len(refs) > _CASES_NAMED else ""
        lines.append(f"Finished on {'case' if len(refs) == 1 else 'cases'} {named}{more}.")
    # A case they can see, so the command works as shown: a finished one first.
    ref = min(r.case_ref for r in finished) if finished else min(r.case_ref for r in requests)
    lines.append(f"Send /feedback {ref} for the answers on case #{ref}.")
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    """'1 answer', '2 answers'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# ---------------------------------------------------------------- answering


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool) -> None:
    """A pressed button moves the message it is on along (chat-style: edit in place); typing gets a reply."""
    query = update.callback_query
    if edit and query is not None and isinstance(query.message, Message):
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
        return
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, reply_markup=markup, do_quote=False)


def _cannot_answer(request: Request, actions: tuple[str, ...]) -> str | None:
    """Why this person can't answer this survey now (None: they can)."""
    if request.final:
        return f"This survey is already {request.state}. Nothing changed."
    if survey.ANSWER not in actions:
        return "The survey is for the provider of the case to answer."
    return None


async def _next_step(
    update: Update, context: InspectContext, person: Person, request: Request, *, edit: bool
) -> str | int:
    """Ask the question the payload is at; with none left, finish (managers are told) and thank them."""
    question = survey.next_question(request.payload)
    if question is not None:
        text, markup = question_message(request.id, question)
        await _show(update, text, markup, edit=edit)
        if question.rating:
            SurveyDraft.drop(context)
            return ConversationHandler.END
        SurveyDraft(id=request.id).save(context)
        return SURVEY_TEXT
    SurveyDraft.drop(context)
    try:
        sent = await context.services.db.requests.send(
            person, request.id, survey.FINISH, version=request.version
        )
    except _REFUSED as exc:
        await _show(update, escape(str(exc)), None, edit=False)
        return ConversationHandler.END
    if not sent.applied:  # finished meanwhile (a double press): it is done either way
        await _show(update, "This survey is already finished. Thank you.", None, edit=edit)
        return ConversationHandler.END
    await _show(
        update,
        f"Thank you: your answers on case #{request.case_ref} are with Ofsted's managers. "
        "They help us improve how we inspect.",
        None,
        edit=edit,
    )
    return ConversationHandler.END


async def _record(
    context: InspectContext, person: Person, request: Request, key: str, value: int | str | None
) -> Request | str:
    """Send one answer, checked against the question the payload is at: the request after it, or what
    to tell the person (nothing changed)."""
    current = survey.next_question(request.payload)
    if current is None or current.key != key:
        return "That question has been answered already. Nothing changed."
    db = context.services.db
    try:
        sent = await db.requests.send(
            person, request.id, survey.ANSWER, {"question": key, "value": value}, version=request.version
        )
    except _REFUSED as exc:
        return escape(str(exc))
    if not sent.applied:  # another press got there first
        return "That question has been answered already. Nothing changed."
    return sent.request


async def _pressed_request(
    update: Update, context: InspectContext, request_id: int
) -> tuple[Person, Request, tuple[str, ...]] | None:
    """Who pressed a survey's button, its request (a survey they may see) and what they may do on it; None
    when refused (the press is answered with why)."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return None
    db = context.services.db
    try:
        request = await db.requests.get(person, request_id)
        if request.kind != _KIND:
            raise InvalidInput("I can't find that request.")
        actions = await db.requests.actions(person, request.id)
    except _REFUSED as exc:
        await query.answer(str(exc), show_alert=True)
        return None
    return person, request, actions


async def _may_answer(update: Update, request: Request, actions: tuple[str, ...]) -> bool:
    """Whether this person may answer the survey now; when not, the press is answered with why."""
    refusal = _cannot_answer(request, actions)
    if refusal is not None and update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    return refusal is None


async def step_pressed(update: Update, context: InspectContext) -> str | int | None:
    """Start (or carry on), Not now, or No thanks; each checked against the request."""
    pressed = SurveyStep.of(update)
    found = await _pressed_request(update, context, pressed.request)
    query = update.callback_query
    if found is None or query is None:
        return None
    person, request, actions = found
    if pressed.step == "decline":
        return await _decline(update, context, person, request)
    if not await _may_answer(update, request, actions):
        return None
    if pressed.step == "later":  # nothing changes: the survey keeps waiting, by button or /survey
        await query.answer()
        start = SurveyStep(request=request.id, step="start").button("Start the survey")
        await _show(
            update,
            f"Not now, then. The survey on case #{request.case_ref} waits for you: send "
            f"/survey {request.case_ref} or press Start when it suits you.",
            InlineKeyboardMarkup([[start]]),
            edit=True,
        )
        return ConversationHandler.END
    await query.answer()
    return await _next_step(update, context, person, request, edit=True)


async def answer_pressed(update: Update, context: InspectContext) -> str | int | None:
    """A rating or Skip: taken only for the question the payload is at."""
    pressed = SurveyAnswer.of(update)
    found = await _pressed_request(update, context, pressed.request)
    query = update.callback_query
    if found is None or query is None:
        return None
    person, request, actions = found
    if not await _may_answer(update, request, actions):
        return None
    value = None if pressed.value == "skip" else int(pressed.value)
    after = await _record(context, person, request, pressed.question, value)
    if isinstance(after, str):
        await query.answer(after, show_alert=True)
        return None  # the step stays as it was: a written answer may still be awaited
    await query.answer()
    return await _next_step(update, context, person, after, edit=True)


async def _decline(update: Update, context: InspectContext, person: Person, request: Request) -> int | None:
    query = update.callback_query
    assert query is not None
    try:
        sent = await context.services.db.requests.send(
            person, request.id, survey.DECLINE, version=request.version
        )
    except _REFUSED as exc:
        await query.answer(str(exc), show_alert=True)
        return None
    if not sent.applied:
        await query.answer(f"This survey is already {sent.request.state}. Nothing changed.", show_alert=True)
        return None
    await query.answer()
    await _show(
        update,
        f"No survey then: you won't be asked about case #{request.case_ref} again. Thank you.",
        None,
        edit=True,
    )
    return ConversationHandler.END


async def survey_typed(update: Update, context: InspectContext) -> str | int | None:
    """The written answer: taken for the question the payload is at now (after a restart too)."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    db = context.services.db
    lost = "I've lost track of that survey. Send /survey to carry on."
    kept = SurveyDraft.find(context)
    request_id = kept.id if kept is not None else None
    if request_id is None:
        await reply(update, lost)
        return ConversationHandler.END
    try:
        request = await db.requests.get(person, request_id)
        actions = await db.requests.actions(person, request.id)
    except _REFUSED:
        await reply(update, lost)
        return ConversationHandler.END
    refusal = _cannot_answer(request, actions)
    if refusal is not None:
        await reply(update, refusal)
        return ConversationHandler.END
    current = survey.next_question(request.payload)
    if current is None or current.rating:  # answered by the buttons meanwhile: ask what is next
        return await _next_step(update, context, person, request, edit=False)
    after = await _record(context, person, request, current.key, message.text or "")
    if isinstance(after, str):
        await reply(update, f"{after} Please send it again, or press Skip.")
        return None
    return await _next_step(update, context, person, after, edit=False)


async def survey_paused(update: Update, context: InspectContext) -> int:
    """/cancel while a written answer is awaited: the answers so far are kept (they are in the database)."""
    SurveyDraft.drop(context)
    await reply(update, "Paused. Your answers so far are kept: send /survey to carry on.")
    return ConversationHandler.END


# ---------------------------------------------------------------- /survey and /feedback


async def survey_command(update: Update, context: InspectContext) -> str | int | None:
    """/survey [REF] (and /feedback for providers): carry on with an unfinished survey where it stopped."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    if person.role is not Role.PROVIDER:
        await reply(
            update,
            "The post-inspection survey is for providers. Managers read the answers with /feedback.",
        )
        return ConversationHandler.END
    words = command_text(message.text or "").strip()
    ref = parse_ref(words) if words else None
    if words and ref is None:
        await reply(update, "Which case? Send <code>/survey 12</code>, or /survey alone.")
        return ConversationHandler.END
    db = context.services.db
    try:
        if ref is not None:
            found = [r for r in await db.requests.for_case(person, ref, _KIND) if not r.final]
        else:
            found = [r for r, _ in await db.requests.waiting_for(person) if r.kind == _KIND]
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return ConversationHandler.END
    except _REFUSED as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    if not found:
        on = f" on case #{ref}" if ref is not None else ""
        await reply(
            update,
            f"You have no survey to answer{on}. Ofsted offers one when an inspection's report is out; "
            "I'll send it here.",
        )
        return ConversationHandler.END
    if len(found) > 1:
        refs = ", ".join(f"/survey {r.case_ref}" for r in found)
        await reply(update, f"You have surveys on {len(found)} cases. Which one? Send {refs}.")
        return ConversationHandler.END
    return await _next_step(update, context, person, found[0], edit=False)


async def feedback_command(update: Update, context: InspectContext) -> str | int | None:
    """/feedback REF: a case's answers; /feedback: the summary across cases (managers). A provider carries
    on with their survey; an inspector is told who reads the answers."""
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    if person.role is Role.PROVIDER:
        return await survey_command(update, context)
    if person.role is not Role.MANAGER:
        await reply(
            update,
            "The survey answers are read by managers. You can see a case with /case 12 and its deadlines "
            "with /due 12.",
        )
        return ConversationHandler.END
    words = command_text(message.text or "").strip()
    db = context.services.db
    if not words:
        await reply(update, across_cases(await db.requests.of_kind(person, _KIND)))
        return ConversationHandler.END
    ref = parse_ref(words)
    if ref is None:
        await reply(update, "Which case? Send <code>/feedback 12</code>, or /feedback alone for the summary.")
        return ConversationHandler.END
    try:
        case = await db.cases.get(person, ref)
        requests = await db.requests.for_case(person, ref, _KIND)
    except NotFound as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see the cases.")
        return ConversationHandler.END
    await reply(update, case_answers(case, requests))
    return ConversationHandler.END


# ---------------------------------------------------------------- the table


def handlers() -> list[Handler]:
    """One conversation: its only step is the written answer; the buttons and commands enter it anywhere."""
    return [
        conversation(
            _DRAFT,
            private_command("survey", survey_command),
            {SURVEY_TEXT: [expect_text(survey_typed), CommandHandler("cancel", survey_paused)]},
            private_command("feedback", feedback_command),
            SurveyStep.handler(step_pressed),
            SurveyAnswer.handler(answer_pressed),
        )
    ]
