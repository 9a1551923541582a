"""Every outbox message rendered through one registry: the row's template (store.outbox_templates) picks
its renderer, looked up once per batch. It sits at the top of handlers/: it imports the modules that say
each message, and none of them imports it (bot/outbox.py calls `render`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.context import Services
from handlers.reminder_messages import render_digest, render_lines
from handlers.rendered import Rendered, Renderer
from handlers.request_copies import render_edit
from handlers.request_messages import render_request
from store.models import Person
from store.outbox import OutboxRow
from store.outbox_templates import KNOWN, OutboxTemplate

RENDERERS: dict[OutboxTemplate, Renderer] = {
    OutboxTemplate.REMIND: render_lines,
    OutboxTemplate.MOVED: render_lines,
    OutboxTemplate.DRAFT_SENT: render_lines,
    OutboxTemplate.ASSIGNED: render_lines,
    OutboxTemplate.JUDGEMENT_CHANGED: render_lines,
    OutboxTemplate.UNREACHABLE: render_lines,
    OutboxTemplate.REPLY: render_lines,
    OutboxTemplate.PROGRAMME_OVERDUE: render_lines,
    OutboxTemplate.DIGEST: render_digest,
    OutboxTemplate.REQUEST: render_request,
    OutboxTemplate.REQUEST_EDIT: render_edit,
}

#: A batch of the morning digest (`kind` "digest") is one message whatever its rows' templates: the
#: programme's line, or a per-milestone "remind" row as the digest was once written.
_DIGEST_KIND = "digest"


def template_of(rows: Sequence[OutboxRow]) -> OutboxTemplate | None:
    """The template whose renderer says this batch (its first row's); None for a template this version
    does not know (a row written by a newer one)."""
    first = rows[0]
    if first.template in (OutboxTemplate.REQUEST, OutboxTemplate.REQUEST_EDIT):
        return OutboxTemplate(first.template)
    if first.kind == _DIGEST_KIND:
        return OutboxTemplate.DIGEST
    return OutboxTemplate(first.template) if first.template in KNOWN else None


async def render(services: Services, person: Person, rows: Sequence[OutboxRow], now: datetime) -> Rendered:
    """The message for `rows` (one person, one batch) as things stand now."""
    if not rows:
        return Rendered()
    template = template_of(rows)
    if template is None:
        return Rendered(drop={"unknown_template": [row.id for row in rows]})
    return await RENDERERS[template](services, person, rows, now)
