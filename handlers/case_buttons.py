"""A case picker whose buttons are typed: one button per case, its data a `Button` the caller names."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardMarkup

from handlers.buttons import Button
from handlers.render import CASE_BUTTON_LIMIT, button_text, setting_name
from store.lists import CaseRef
from store.models import Case


def case_picker(cases: Sequence[Case | CaseRef], button: Callable[[int], Button]) -> InlineKeyboardMarkup:
    """One button per case (as `handlers.render.case_keyboard` lays them out), its data `button(ref)`."""
    shown = cases[:CASE_BUTTON_LIMIT]
    return InlineKeyboardMarkup(
        [[button(c.ref).button(button_text(f"#{c.ref} {setting_name(c)}"))] for c in shown]
    )
