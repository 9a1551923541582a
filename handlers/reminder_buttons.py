"""The buttons on reminders and on the managers' morning digest, one typed class each.

Their data is built where the outbox messages are rendered and handled where each belongs: Done, its
day, and Snooze by handlers.reminders; Open case by handlers.cases; the digest's lists by handlers.lists.
The data is what it always was ("rem:done:<row>", "rem:did:<row>:today|yesterday", "rem:snooze:<row>",
"rem:open:<ref>", "rem:list:open|over"), so a reminder already in a chat keeps working.
"""

from __future__ import annotations

from typing import Literal

from handlers.button_fields import Ref, RowId
from handlers.buttons import Button


class ReminderDone(Button):
    """Done on a reminder: asks which day (the presser's own outbox row, checked on press)."""

    prefix = "rem"
    action: Literal["done"] = "done"
    row: RowId


class ReminderDid(Button):
    """The day a reminder's milestone was done: recorded through /record's checks."""

    prefix = "rem"
    action: Literal["did"] = "did"
    row: RowId
    day: Literal["today", "yesterday"]


class ReminderSnooze(Button):
    prefix = "rem"
    action: Literal["snooze"] = "snooze"
    row: RowId


class ReminderOpen(Button):
    """Open case #REF from a reminder: the case as /case shows it, the reminder left as it is."""

    prefix = "rem"
    action: Literal["open"] = "open"
    ref: Ref


class DigestList(Button):
    """A digest's list: the cases with something overdue (`open`) or every overdue deadline (`over`)."""

    prefix = "rem"
    action: Literal["list"] = "list"
    which: Literal["open", "over"]
