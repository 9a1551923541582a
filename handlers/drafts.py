"""A conversation's answers so far, typed: one model per conversation, read and written in one place.

`user_data` is persisted as JSON (bot/persistence.py), so a draft is stored as the plain dict its model
dumps, under its conversation's name (what that conversation's /cancel drops), exactly the shape the
handlers kept before: a draft saved before a restart reads back after it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from handlers.context import InspectContext


class Draft(BaseModel):
    """Subclasses set `conversation` (its name) and declare the answers, each optional until given."""

    model_config = ConfigDict(extra="ignore")

    conversation: ClassVar[str]

    @classmethod
    def read(cls, context: InspectContext) -> Self:
        """The answers gathered so far (none yet: an empty draft)."""
        stored = context.user_data.get(cls.conversation) if context.user_data is not None else None
        return cls.model_validate(stored if isinstance(stored, dict) else {})

    def save(self, context: InspectContext) -> None:
        _user_data(context)[self.conversation] = self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def drop(cls, context: InspectContext) -> None:
        """The conversation is over: its answers go."""
        if context.user_data is not None:
            context.user_data.pop(cls.conversation, None)


def _user_data(context: InspectContext) -> dict[str, Any]:
    if context.user_data is None:  # an update without a user (a channel post): no conversation has one
        raise RuntimeError("a draft is kept per person, and this update has none")
    return context.user_data
