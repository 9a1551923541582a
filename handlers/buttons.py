"""One typed class per kind of button: its data packed, unpacked and matched in one place.

A button's data is `prefix:field:field...` (Telegram allows 64 bytes). The class names the fields with
their types; `pack` builds the data, `unpack` reads it back (pydantic checks every field), and `matches`
is the handler's pattern, so the table and the callback cannot disagree about the format. Modelled on
aiogram's `CallbackData`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler

from handlers.button_fields import Ref

#: Telegram's limit on a button's data, in bytes.
MAX_DATA_BYTES = 64
SEPARATOR = ":"


class ButtonDataError(ValueError):
    """Data that is not this kind of button's (forged, stale after a format change, or too long)."""


class Button(BaseModel):
    """The base of every button's data class: subclasses set `prefix` and declare their fields in order.

    Trailing fields that default to None are left out of the data when they are None.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: ClassVar[str]

    def pack(self) -> str:
        """The data Telegram carries; refused when a field holds the separator or the whole is too long."""
        parts = [self.prefix]
        values = [getattr(self, name) for name in type(self).model_fields]
        while values and values[-1] is None:
            values.pop()
        for value in values:
            text = _text(value)
            if SEPARATOR in text:
                raise ButtonDataError(f"{type(self).__name__}: a field holds {SEPARATOR!r}")
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ButtonDataError(f"{type(self).__name__}: {len(data.encode())} bytes, over {MAX_DATA_BYTES}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        """The button behind `data`, every field checked; ButtonDataError when it is not this kind."""
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ButtonDataError(f"{cls.__name__}: data too long")
        prefix, *parts = data.split(SEPARATOR)
        if prefix != cls.prefix:
            raise ButtonDataError(f"{cls.__name__}: not its prefix")
        names = list(cls.model_fields)
        if len(parts) > len(names):
            raise ButtonDataError(f"{cls.__name__}: too many fields")
        try:
            return cls.model_validate(dict(zip(names, parts, strict=False)))
        except ValidationError as error:
            raise ButtonDataError(f"{cls.__name__}: {error.error_count()} bad field(s)") from error

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """The button behind `data`, or None when it is not this kind."""
        if not isinstance(data, str):
            return None
        try:
            return cls.unpack(data)
        except ButtonDataError:
            return None

    @classmethod
    def matches(cls, data: object) -> bool:
        """The handler table's pattern: true only for data this class unpacks."""
        return cls.parse(data) is not None

    @classmethod
    def of(cls, update: Update) -> Self:
        """The pressed button's data, in a callback whose handler was built by `handler` (so it matches)."""
        query = update.callback_query
        if query is None or query.data is None:
            raise ButtonDataError(f"{cls.__name__}: no button was pressed")
        return cls.unpack(query.data)

    @classmethod
    def handler(cls, callback: Any, **kwargs: Any) -> CallbackQueryHandler[Any, Any]:
        """A CallbackQueryHandler for this kind of button only."""
        return CallbackQueryHandler(callback, pattern=cls.matches, **kwargs)

    def button(self, text: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text, callback_data=self.pack())


class CaseButton(Button):
    """A button that names one case and nothing else: its data is '<prefix>:<ref>'."""

    ref: Ref

    @classmethod
    def at(cls, ref: int) -> Self:
        """This kind of button for case #ref: what `handlers.render.case_keyboard` is given."""
        return cls(ref=ref)


#: How a case keyboard makes the button for one case: `SomeCaseButton.at`, or a lambda for a button with
#: more fields than the case number.
ForCase = Callable[[int], Button]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
