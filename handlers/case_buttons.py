"""What the case-life features' buttons share: the number types their data carries, and a case picker.

A forged number must not reach the database (more digits than SQLite's integers hold would crash the
lookup), so a field is digits only, of a bounded length, as the old patterns' `[0-9]{1,9}` were: data that
is not matches no handler and is answered as an expired button.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from pydantic import BeforeValidator
from telegram import InlineKeyboardMarkup

from handlers.buttons import Button
from handlers.render import CASE_BUTTON_LIMIT, button_text, setting_name
from store.lists import CaseRef
from store.models import Case


def _digits(most: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= most):
            raise ValueError(f"not 1 to {most} digits")
        return value

    return check


#: A case number in button data (as `handlers.parsing.REF_DATA`).
Ref = Annotated[int, BeforeValidator(_digits(9))]
#: A row's id in button data (an outbox row, an audit entry, a person, a request).
RowId = Annotated[int, BeforeValidator(_digits(12))]


def case_picker(cases: Sequence[Case | CaseRef], button: Callable[[int], Button]) -> InlineKeyboardMarkup:
    """One button per case (as `handlers.render.case_keyboard` lays them out), its data `button(ref)`."""
    return InlineKeyboardMarkup(
        [
            [button(c.ref).button(button_text(f"#{c.ref} {setting_name(c)}"))]
            for c in cases[:CASE_BUTTON_LIMIT]
        ]
    )
