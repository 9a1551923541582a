"""Fake Telegram Bot API server for end-to-end tests; see README.md in this folder."""

from .driver import FakeChat, FakeUser
from .model import (
    BotMessage,
    Call,
    CallbackAnswer,
    MessageVersion,
    SentDocument,
    UploadedFile,
    WebhookDelivery,
)
from .server import ApiError, FakeBotApi
from .waits import Match

__all__ = [
    "ApiError",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "FakeBotApi",
    "FakeChat",
    "FakeUser",
    "Match",
    "MessageVersion",
    "SentDocument",
    "UploadedFile",
    "WebhookDelivery",
]
