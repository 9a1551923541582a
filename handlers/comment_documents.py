"""Documents sent as comments on the draft: how they read in the inspector's message, their buttons, and
sending one back by Telegram's file id when its button is pressed (the bot never keeps the file itself).

A button's data is `cdoc:<request id>:<n>` (the nth document of that set of comments); every press is
checked again: the presser must be able to see the request (db.requests.get), and it must be comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler

from handlers.context import Handler, InspectContext
from handlers.people import current_person
from handlers.render import button_text
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.requests import Request
from workflows import comments

_PRESS = "cdoc"
_DATA = rf"^{_PRESS}:([0-9]{{1,9}}):([0-9])$"


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
        [InlineKeyboardButton(button_text(f"Get {_name(d, n)}"), callback_data=f"{_PRESS}:{request.id}:{n}")]
        for n, d in enumerate(_documents(request.payload))
        if isinstance(d.get("file_id"), str) and d.get("file_id")
    ]


async def document_pressed(update: Update, context: InspectContext) -> None:
    """Send the document again by its file id, to someone who may see the comments."""
    query = update.callback_query
    person = await current_person(update, context)
    if person is None or query is None or query.data is None:
        return
    parts = query.data.split(":")
    try:
        request = await context.services.db.requests.get(person, int(parts[1]))
    except (InvalidInput, NotFound, PermissionDenied) as exc:
        await query.answer(str(exc), show_alert=True)
        return
    found = _documents(request.payload) if request.kind == comments.MACHINE.kind else []
    n = int(parts[2])
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


def handlers() -> list[Handler]:
    return [CallbackQueryHandler(document_pressed, pattern=_DATA)]
