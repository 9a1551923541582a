"""Field types for button data that read exactly what the bot writes: digits only, as many as it packs.

Pydantic reads '+5', ' 5', '1_000' and '5.0' as 5 in lax mode; a forged press must not reach a handler
through such a spelling (nor a number SQLite can't hold), so these check the text before it is a number.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator


def _digits(most: int) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, str) and not (value.isascii() and value.isdigit() and 1 <= len(value) <= most):
            raise ValueError(f"expected 1 to {most} digits")
        if isinstance(value, int) and not 0 <= value < 10**most:
            raise ValueError(f"expected 1 to {most} digits")
        return value

    return BeforeValidator(check)


#: A case's reference or a request's id in button data (1 to 9 digits, as handlers.parsing.REF_DATA).
Ref = Annotated[int, _digits(9)]
#: An outbox row's id (1 to 12 digits).
RowId = Annotated[int, _digits(12)]
#: A position in a short list (one digit).
Index = Annotated[int, _digits(1)]


def _word(most: int) -> BeforeValidator:
    def check(value: object) -> object:
        if not isinstance(value, str) or not 1 <= len(value) <= most:
            raise ValueError(f"expected a word of 1 to {most} characters")
        if not all(c == "_" or ("a" <= c <= "z") for c in value):
            raise ValueError("expected lower-case letters and underscores")
        return value

    return BeforeValidator(check)


#: An id the bot writes into data (a deferral ground, a review decision): a-z and _, up to 30.
Word = Annotated[str, _word(30)]
#: Where a page of a list starts (1 to 7 digits).
Offset = Annotated[int, _digits(7)]
