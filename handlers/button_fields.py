"""The number types button data carries, for `handlers.buttons.Button` subclasses' fields.

A forged number must not reach the database (more digits than SQLite's integers hold would crash the
lookup), so a field is digits only, of a bounded length, as the old patterns' `[0-9]{1,9}` were: data that
is not matches no handler and is answered as an expired button. (pydantic alone would also take " 12",
"+12" or "1_2".)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import BeforeValidator


def _digits(most: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= most):
            raise ValueError(f"not 1 to {most} digits")
        return value

    return check


#: A case number in button data (as `handlers.parsing.REF_DATA`).
Ref = Annotated[int, BeforeValidator(_digits(9))]
#: A row's id in button data (an outbox row, an audit entry, a person).
RowId = Annotated[int, BeforeValidator(_digits(12))]
