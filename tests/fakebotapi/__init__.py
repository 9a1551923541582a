"""The tests' name for the local Bot API server, which now lives in the package as `bot.localapi` (the
console runs the bot against it too); kept so that tests, benchmarks and other branches need not change."""

from bot.localapi import (
    ApiError,
    BotMessage,
    Call,
    CallbackAnswer,
    FakeBotApi,
    FakeChat,
    FakeUser,
    Match,
    MessageVersion,
    SentDocument,
    UploadedFile,
    WebhookDelivery,
)

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
