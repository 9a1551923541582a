"""What an outbox renderer gives back (bot/outbox.py sends it): one message for a group of rows, and the
rows that turned out not to be worth sending. Every renderer (handlers/outbox_messages.py picks one per
template) builds one of these, so it sits below them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardMarkup

from handlers.context import Services
from store.models import Person
from store.outbox import OutboxRow


@dataclass
class Rendered:
    """One message for a group of rows, and the rows that turned out not to be worth sending."""

    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    send: list[int] = field(default_factory=list)
    drop: dict[str, list[int]] = field(default_factory=dict)  # reason -> row ids
    #: The message to edit into `text` and `markup` instead of sending a new one (a decided request).
    edit: int | None = None
    #: Rows to look at again shortly (an edit whose message is still being sent).
    later: list[int] = field(default_factory=list)

    def one_of(self, rows: Sequence[OutboxRow]) -> OutboxRow:
        """For a batch that makes one message from its first row (a request's, an edit's): that row, the
        others dropped as duplicates."""
        for other in rows[1:]:
            self.drop.setdefault("duplicate", []).append(other.id)
        return rows[0]


#: Turns one person's batch of rows into a message, as things stand `now`.
Renderer = Callable[[Services, Person, Sequence[OutboxRow], datetime], Awaitable[Rendered]]
