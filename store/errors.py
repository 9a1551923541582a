"""What the store refuses, each with a sentence fit to show a user as it is."""

from __future__ import annotations


class StoreError(Exception):
    """Anything the store refuses; `str(error)` is one plain sentence for the user."""


class NotFound(StoreError):
    """A case that does not exist or that the person may not see: the same message, so nothing leaks."""

    def __init__(self, ref: int | str) -> None:
        super().__init__(f"I can't find case #{ref}.")
        self.ref = ref


class PermissionDenied(StoreError):
    """The person may see the thing but not do this to it."""


class InviteInvalid(StoreError):
    """An invitation that is unknown, used or expired: one message for all three, so codes can't be probed."""

    MESSAGE = (
        "That invitation link has expired or has already been used. "
        "Ask the person who invited you for a new one."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class InviteThrottled(InviteInvalid):
    """Too many failed codes from one Telegram user lately: no code is even looked at for a while."""

    MESSAGE = "Too many invitation links tried. Please wait 10 minutes, then try again."


class InvalidInput(StoreError):
    """A value the store can't accept (an unknown kind, event or grade, an empty name)."""


class SchemaTooNew(StoreError, RuntimeError):
    """The database was written by a newer inspectbot: this one must not touch it."""
