"""`/defer REF withdraw` (issue 11): the provider who asked to defer a case takes the request back while it
waits for a decision. The same as the **Withdraw the request** button on the provider's confirmation: the
event goes through the store's checks (only the provider, only while requested), the managers and the
inspector are told, and the managers' copies lose their Approve / Decline (handlers/request_copies.py).
"""

from __future__ import annotations

from html import escape

from telegram import Update

from handlers.context import InspectContext
from handlers.people import reply
from handlers.requests import send_event
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import Person, Role
from workflows import deferral


async def withdraw_command(update: Update, context: InspectContext, person: Person, ref: int) -> None:
    """The provider's own deferral of case `ref` still waiting for a decision, withdrawn."""
    if person.role is not Role.PROVIDER:
        await reply(update, "Only the provider who asked to defer a case can withdraw the request.")
        return
    try:
        asked = await context.services.db.requests.for_case(person, ref, "deferral")
    except (InvalidInput, NotFound, PermissionDenied) as exc:
        await reply(update, escape(str(exc)) + " Send /cases to see yours.")
        return
    waiting = [r for r in asked if r.state == deferral.REQUESTED and r.asked_by == person.id]
    if not waiting:
        decided = [r for r in asked if r.asked_by == person.id]
        said = f" Your last one was {decided[-1].state.replace('_', ' ')}." if decided else ""
        await reply(update, f"No request of yours to defer case #{ref} is waiting for a decision.{said}")
        return
    answer = await send_event(context, person, waiting[-1], deferral.WITHDRAW, {})
    await reply(update, answer.removeprefix("!"))
