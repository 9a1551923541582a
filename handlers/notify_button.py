"""The case's "I notified the provider today" button: shown on the case (handlers/cases.py) and pressed
into /notify (handlers/notify.py), so it sits below both."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from handlers.button_fields import Ref
from handlers.buttons import Button
from handlers.context import Services
from handlers.situation import situation
from store.models import Case, Person, Role
from workflows import notification


class NotifiedToday(Button):
    """'ntf:<ref>': /notify REF for today, checked again on the press."""

    prefix = "ntf"
    ref: Ref


async def notify_keyboard(services: Services, person: Person, case: Case) -> InlineKeyboardMarkup | None:
    """The case's 'notified today' button, for its inspector while an announced kind's notice is still
    to be recorded and the visit hasn't started (what /help lists as 'notify the provider')."""
    notice = notification.NOTICES.get(case.kind)
    if person.role is not Role.INSPECTOR or notice is None or notice.milestone in case.events:
        return None
    if notification.refusal(situation(services, case)) is not None:
        return None  # nothing to notify: unannounced, or the visit has started (checked again on press)
    if await services.db.requests.for_case(person, case.ref, notification.MACHINE.kind):
        return None
    return InlineKeyboardMarkup([[NotifiedToday(ref=case.ref).button("I notified the provider today")]])
