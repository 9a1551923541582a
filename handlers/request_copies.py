"""Copies of a request once it has moved on (issue 11): every message that offered buttons to decide it
loses them and says who decided what, and when ("Approved by Sam Smith, 10:42").

The other people's copies are edited through the outbox: the transition's transaction writes a
`request_edit` row per copy (store.outbox.edit_request_copy), `render_edit` turns it into the copy's text
plus the decided line at send time, and bot/outbox.py edits the message (a refused edit is finished
quietly). The presser's own copy is edited in place by the press handler (`mark_decided`), at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers.context import InspectContext, Services
from handlers.rendered import Rendered
from handlers.request_base import RequestPress, decided_line, display_name
from handlers.request_messages import describe_for
from handlers.review import ReviewStep
from store.codec import time_from_text
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person
from store.outbox import Copy, OutboxRow
from store.requests import Request

log = logging.getLogger(__name__)


async def _copy_text(services: Services, person: Person, request: Request, copy: Copy) -> str | None:
    """What the copy said when it was sent (from the request as it is now: its payload keeps the asking);
    None when its case is gone."""
    case = await services.db.outbox.case(copy.case_id) if copy.case_id is not None else None
    if case is None:
        return None
    by = copy.params.get("by")
    who = await display_name(services, None if by is None else int(by), "system")
    return describe_for(services, person, request, case, str(copy.params["event"]), who)


async def render_edit(
    services: Services, person: Person, rows: Sequence[OutboxRow], now: datetime
) -> Rendered:
    """A `request_edit` row: the copy's message, edited to its text plus who decided and no buttons."""
    out = Rendered()
    row = out.one_of(rows)
    copy = await services.db.outbox.copy(int(row.params["row"]))
    if copy is None or copy.person_id != person.id:
        out.drop.setdefault("not_found", []).append(row.id)
        return out
    if copy.state == "sending":  # its message is on its way: edit it once it has an id
        out.later.append(row.id)
        return out
    if copy.state != "sent" or copy.message_id is None:
        # Pending again (rendered afresh when sent, without the stale buttons), or never delivered.
        out.drop.setdefault("not_needed", []).append(row.id)
        return out
    try:
        request = await services.db.requests.get(person, int(row.params["request_id"]))
    except InvalidInput:
        out.drop.setdefault("not_visible", []).append(row.id)
        return out
    text = await _copy_text(services, person, request, copy)
    if text is None:
        out.drop.setdefault("case_gone", []).append(row.id)
        return out
    by = row.params.get("by")
    who = await display_name(services, None if by is None else int(by), request.last_label)
    at = time_from_text(str(row.params["at"]))
    line = decided_line(
        str(row.params["state"]), who, at, services.zone, now.astimezone(services.zone).date()
    )
    out.text = f"{text}\n\n{line}"
    out.edit = copy.message_id
    out.send.append(row.id)
    return out


async def mark_decided(
    context: InspectContext,
    person: Person,
    shown: Request,
    chat_id: int,
    message_id: int,
    pressed: Message | None = None,
) -> None:
    """The presser's copy (message `message_id`, showing the request at `shown`'s version), edited in
    place once the request has moved on: the copy's text (or the pressed message's own, when it is not
    an outbox copy) plus who decided and when; its deciding buttons go, others (Ask to defer) stay.
    A copy someone else's decision made stale (a lost race) is left to the outbox edit that decision
    wrote; a request that has not moved (the input was refused) only loses the buttons pressed."""
    services = context.services
    db = services.db
    try:
        request = await db.requests.get(person, shown.id)
    except (InvalidInput, NotFound, PermissionDenied):
        return
    keep = [
        row
        for row in (pressed.reply_markup.inline_keyboard if pressed and pressed.reply_markup else ())
        if not any(RequestPress.matches(b.callback_data) or ReviewStep.matches(b.callback_data) for b in row)
    ]
    markup = InlineKeyboardMarkup(keep) if keep else None
    text: str | None = None
    if request.version != shown.version:
        copy = await db.outbox.shown_copy(person, message_id)
        if copy is not None and request.last_by != person.id:
            return  # someone else moved it: their transition wrote this copy's edit to the outbox
        before = await _copy_text(services, person, request, copy) if copy is not None else None
        if before is None and pressed is not None and pressed.text is not None:
            before = pressed.text_html
        if before is not None:
            who = (
                "you"
                if request.last_by == person.id
                else await display_name(services, request.last_by, request.last_label)
            )
            line = decided_line(request.state, who, request.updated_at, services.zone, services.today())
            text = f"{before}\n\n{line}"
    try:
        if text is not None:
            await context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        elif pressed is not None and pressed.reply_markup is not None:
            await context.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
    except BadRequest as exc:  # not modified (the outbox edited it first), gone, too old
        log.info(
            "request %d: the copy in message %d of person %d was not edited: %s",
            request.id,
            message_id,
            person.id,
            exc.message,
        )
