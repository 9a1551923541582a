"""The Plan button of /setting (handlers/programme.py), answered by /newcase (handlers/newcase.py).

Its own module below both, as the import rule asks of a piece two features share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from handlers.buttons import Button

#: A setting's or a person's id, as the buttons of /newcase carry them (up to 9 digits).
RowId = Annotated[int, Field(ge=1, le=999_999_999)]


class NewcaseButton(Button):
    """The base of /newcase's buttons: `nc:STEP[:VALUE]`, the step naming which question it answers."""

    prefix = "nc"


class PlanButton(NewcaseButton):
    """Plan (managers): a planned case for setting `setting_id`, from its next window."""

    step: Literal["plan"] = "plan"
    setting_id: RowId
