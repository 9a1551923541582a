"""/comments REF (issue 11): the provider's comments on the draft report, typed or sent as a document, said
back with Send before they go to the inspector (late ones marked late), who marks them seen
(handlers/decide.py). Documents are kept by Telegram's file id only (never the file): the inspector's
message names them and offers a button per document (`cdoc:<request id>:<n>`), which sends it again to
someone who may see the comments, checked on every press. This module also says what comments read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from handlers.button_fields import Index, Ref
from handlers.buttons import Button
from handlers.context import Handler, InspectContext, Services
from handlers.conversation import conversation, expect_button, expect_text, private_command
from handlers.drafts import Draft
from handlers.people import current_person, drop_buttons, reply
from handlers.render import button_text, case_title, quoted
from handlers.request_base import SAID_LIMIT, provider_case
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Case, Person
from store.requests import Request
from workflows import comments
from workflows.dates import format_date

COMMENTS_TEXT, COMMENTS_CONFIRM = "comments:text", "comments:confirm"


class SendComments(Button):
    """'cmc:send': Send the comments."""

    prefix = "cmc"
    action: Literal["send"] = "send"


class GetDocument(Button):
    """'cdoc:<request id>:<n>': the nth document of a set of comments, sent again."""

    prefix = "cdoc"
    request_id: Ref
    n: Index


class CommentsDraft(Draft):
    key = "comments"
    ref: int
    #: What will be sent: the text and the documents' file ids, names and sizes (None once gone).
    data: dict[str, Any] | None = None


# ---------------------------------------------------------------- what comments read


def _documents(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = payload.get("documents")
    return [d for d in raw if isinstance(d, Mapping)] if isinstance(raw, list) else []


def _size(size: object) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    if size < 1024:
        return f" ({size} bytes)"
    if size < 1024 * 1024:
        return f" ({size // 1024} KB)"
    return f" ({size / (1024 * 1024):.1f} MB)"


def _name(document: Mapping[str, Any], n: int) -> str:
    name = document.get("name")
    return str(name) if name else f"document {n + 1}"


def documents_text(payload: Mapping[str, Any]) -> str:
    """'With 1 document: <b>reply.pdf</b> (120 KB). Press its button to get it.' (empty when none)."""
    found = _documents(payload)
    if not found:
        return ""
    names = ", ".join(f"<b>{escape(_name(d, n))}</b>{_size(d.get('size'))}" for n, d in enumerate(found))
    count = "1 document" if len(found) == 1 else f"{len(found)} documents"
    return f"With {count}: {names}. Press a button below to get it here."


def document_buttons(request: Request) -> list[list[InlineKeyboardButton]]:
    """One button per document of a set of comments whose file id is still kept."""
    if request.kind != comments.MACHINE.kind:
        return []
    return [
        [GetDocument(request_id=request.id, n=n).button(button_text(f"Get {_name(d, n)}"))]
        for n, d in enumerate(_documents(request.payload))
        if isinstance(d.get("file_id"), str) and d.get("file_id")
    ]


def describe(
    services: Services, person: Person, request: Request, case: Case, event: str, who: str
) -> str | None:
    """Comments sent, said to the inspector and the managers (None for an event that has no words of
    its own: the generic line says it)."""
    if event != comments.SUBMIT:
        return None
    p = request.payload
    due = format_date(datetime.fromisoformat(str(p["due"])).date())
    late = f" <b>late</b> (they were due by {due})" if p.get("late") else f" (due by {due})"
    documents = documents_text(p)
    return (
        f"<b>{who}</b> sent comments on the draft report of <b>{case_title(case)}</b>{late}:\n"
        f"{escape(str(p.get('text') or ''))}" + (f"\n{documents}" if documents else "")
    )


async def document_pressed(update: Update, context: InspectContext) -> None:
    """Send the document again by its file id, to someone who may see the comments."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None:
        return
    pressed = GetDocument.of(update)
    try:
        request = await context.services.db.requests.get(person, pressed.request_id)
    except (InvalidInput, NotFound, PermissionDenied) as exc:
        await query.answer(str(exc), show_alert=True)
        return
    found = _documents(request.payload) if request.kind == comments.MACHINE.kind else []
    n = pressed.n
    if n >= len(found):
        await query.answer("That button isn't one I know.", show_alert=True)
        return
    file_id = found[n].get("file_id")
    if not isinstance(file_id, str) or not file_id:
        await query.answer("That document is no longer kept.", show_alert=True)
        return
    await query.answer()
    assert update.effective_message is not None
    await update.effective_message.reply_document(
        file_id,
        caption=f"{escape(_name(found[n], n))}: comments on the draft report of case #{request.case_ref}",
        parse_mode="HTML",
        do_quote=False,
    )


# ---------------------------------------------------------------- /comments REF


async def comments_command(update: Update, context: InspectContext) -> str | int:
    """/comments REF: the provider's comments on the draft (text or a document), once it was sent, said
    back with Send before they go; late ones are marked late and the inspector is told either way."""
    refusal = "Only the provider of a case sends comments on its draft report."
    case = await provider_case(update, context, "comments", refusal)
    if case is None:
        return ConversationHandler.END
    if "draft_report" not in case.events:
        await reply(
            update, "Comments open once the draft report has been sent: it hasn't been recorded as sent yet."
        )
        return ConversationHandler.END
    CommentsDraft(ref=case.ref).save(context)
    await reply(
        update,
        f"Type your comments on the draft report of <b>{case_title(case)}</b> "
        f"(up to {comments.TEXT_LIMIT} characters), or send them as a document (PDF, Word...; its caption "
        "counts as the text), or /cancel. Please leave out children's names and other personal details.",
    )
    return COMMENTS_TEXT


async def comments_typed(update: Update, context: InspectContext) -> str | int:
    message = update.effective_message
    text = message.text if message is not None and message.text else ""
    return await _confirm_comments(update, context, {"text": text})


async def comments_document(update: Update, context: InspectContext) -> str | int:
    """A document as comments: Telegram's file id, name and size are kept (never the file); its caption
    is the comments' text. Late ones are marked late like text."""
    message = update.effective_message
    if message is None or message.document is None:
        return COMMENTS_TEXT
    document = message.document
    kept = {"file_id": document.file_id, "name": document.file_name, "size": document.file_size}
    return await _confirm_comments(update, context, {"text": message.caption or "", "documents": [kept]})


async def comments_not_a_document(update: Update, context: InspectContext) -> str | int:
    """A photo, sticker or voice note where comments are wanted: say what is accepted; the step stays."""
    await reply(
        update,
        "I can take comments as typed text or as a document (PDF, Word...), not as a photo, sticker or "
        "voice message. To send a picture, attach it as a file. Or /cancel.",
    )
    return COMMENTS_TEXT


async def _confirm_comments(update: Update, context: InspectContext, data: dict[str, Any]) -> str | int:
    """Keep the comments in the draft and say them back before they go: text typed after another command
    lands in this step too, and comments can't be taken back once the inspector has them."""
    text = str(data.get("text") or "")
    if len(text) > comments.TEXT_LIMIT:  # the workflow refuses it too; said now, before the button
        await reply(
            update,
            f"That is {len(text)} characters: please keep comments under {comments.TEXT_LIMIT} (or send "
            "them as a document), or /cancel.",
        )
        return COMMENTS_TEXT
    answers = CommentsDraft.read(context)
    answers.data = data
    answers.save(context)
    lines = [f"Send these comments on the draft report of case #{answers.ref} to the inspector?"]
    if text:
        lines.append(f"You wrote: “{quoted(text, SAID_LIMIT)}”")
    documents = data.get("documents")
    for document in documents if isinstance(documents, list) else []:
        assert isinstance(document, dict)
        lines.append(f"With the document: {escape(str(document.get('name') or 'unnamed'))}")
    lines.append("Press Send, or /cancel.")
    assert update.effective_message is not None
    await update.effective_message.reply_html(
        "\n".join(lines),
        reply_markup=InlineKeyboardMarkup([[SendComments().button("Send the comments")]]),
        do_quote=False,
    )
    return COMMENTS_CONFIRM


async def comments_confirmed(update: Update, context: InspectContext) -> str | int:
    query = update.callback_query
    if query is not None:
        await query.answer()
    await drop_buttons(update)
    answers = CommentsDraft.find(context)
    data = answers.data if answers is not None else None
    if answers is None or data is None:  # an old Send pressed again: nothing waits to go
        await reply(update, "Those comments have already gone (or were cancelled). Send /comments 12 again.")
        return ConversationHandler.END
    answers.data = None
    answers.save(context)
    return await _submit_comments(update, context, answers, data)


async def _submit_comments(
    update: Update, context: InspectContext, answers: CommentsDraft, data: dict[str, Any]
) -> str | int:
    person = await current_person(update, context)
    message = update.effective_message
    if person is None or message is None:
        return ConversationHandler.END
    try:
        sent = await context.services.db.requests.open(person, answers.ref, "comments", comments.SUBMIT, data)
    except InvalidInput as exc:
        await reply(update, escape(str(exc)) + " Please send them again, or /cancel.")
        return COMMENTS_TEXT
    except (NotFound, PermissionDenied) as exc:
        await reply(update, escape(str(exc)))
        return ConversationHandler.END
    CommentsDraft.drop(context)
    warned = "".join(f"\n{escape(w)}" for w in sent.warnings)
    await reply(
        update, f"Sent: your comments on case #{sent.request.case_ref} are with the inspector.{warned}"
    )
    return ConversationHandler.END


def handlers() -> list[Handler]:
    """The /comments conversation (its typed steps before the questions in the table) and the Get
    <document> buttons (no other handler takes `cdoc:`, so where they sit does not matter)."""
    return [
        conversation(
            CommentsDraft.key,
            private_command("comments", comments_command),
            {
                COMMENTS_TEXT: [
                    expect_text(comments_typed),
                    MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, comments_document),
                    MessageHandler(
                        filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.TEXT & ~filters.Document.ALL,
                        comments_not_a_document,
                    ),
                ],
                COMMENTS_CONFIRM: [SendComments.handler(comments_confirmed), expect_button()],
            },
        ),
        GetDocument.handler(document_pressed),
    ]
