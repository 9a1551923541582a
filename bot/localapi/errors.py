"""The Bot API's error answer, shared by the methods, the faults and the transport that sends it."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "bad"]


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status plus the description Telegram would give."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad(description: str) -> ApiError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")
