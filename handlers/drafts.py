"""Typed drafts: what a conversation has gathered so far, kept in `context.user_data` under its name.

bot/persistence.py stores user_data as JSON, so a draft is a pydantic model at the boundary: read with
`model_validate` (a draft kept by an older version, or none, is checked, never re-cast), written with
`model_dump(mode="json", exclude_none=True)` so the stored shape is the plain dict it always was.
"""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from handlers.context import InspectContext
from handlers.conversation import user_store


class Draft(BaseModel):
    """The base of a conversation's draft; subclasses set `key` (the conversation's name, which its
    /cancel drops: handlers.conversation.canceller) and declare the fields."""

    model_config = ConfigDict(extra="ignore")

    key: ClassVar[str]

    @classmethod
    def read(cls, context: InspectContext) -> Self:
        """The draft kept for this person; ValidationError when there is none (the step was reached
        without its start: a failure for the operator's log, as a missing answer always was)."""
        return cls.model_validate(user_store(context).get(cls.key, {}))

    @classmethod
    def find(cls, context: InspectContext) -> Self | None:
        """The draft kept for this person, or None when there is none that reads as this draft."""
        try:
            return cls.read(context)
        except ValidationError:
            return None

    def save(self, context: InspectContext) -> None:
        user_store(context)[self.key] = self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def drop(cls, context: InspectContext) -> None:
        user_store(context).pop(cls.key, None)
