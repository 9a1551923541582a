"""Immutable snapshots the fake hands to tests, so assertions never race the server thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "MessageVersion",
    "SentDocument",
    "UploadedFile",
    "WebhookDelivery",
]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, kept whole so tests can read what the bot uploaded."""

    field: str
    filename: str
    content: bytes
    mime_type: str | None


@dataclass(frozen=True)
class Call:
    """One HTTP request to the fake, with what it was answered."""

    seq: int
    method: str
    params: dict[str, Any]
    time: float
    duration: float
    status: int
    response: dict[str, Any]
    client: str = ""  # the tag of the process that made it (FakeBotApi.env(client=...)); "" if untagged

    @property
    def ok(self) -> bool:
        return self.response.get("ok") is True

    @property
    def description(self) -> str:
        return str(self.response.get("description", ""))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    def __str__(self) -> str:
        shown = {
            k: (f"<file {v.filename!r}>" if isinstance(v, UploadedFile) else v)
            for k, v in self.params.items()
        }
        outcome = "ok" if self.ok else f"{self.status} {self.description}"
        return f"{self.method}({shown}) -> {outcome}"


@dataclass(frozen=True)
class SentDocument:
    """A document the bot sent: uploaded bytes, or a URL / file_id it referred to."""

    filename: str | None
    content: bytes | None
    mime_type: str | None
    file_id: str
    url: str | None = None


@dataclass(frozen=True)
class MessageVersion:
    """The content of a bot message at one point in time (sent, or after an edit)."""

    text: str
    raw_text: str
    parse_mode: str | None
    entities: tuple[dict[str, Any], ...]
    reply_markup: dict[str, Any] | None
    edit_date: int | None


def _inline_rows(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    rows: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    return rows


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as it is now; ``versions`` keeps what it was before each edit.

    ``text`` is what the user sees (HTML tags removed, entities decoded; the caption
    for documents). ``html`` is the raw string the bot sent with ``parse_mode=HTML``.
    """

    chat_id: int
    message_id: int
    date: int
    text: str
    raw_text: str
    parse_mode: str | None
    entities: tuple[dict[str, Any], ...]
    reply_markup: dict[str, Any] | None
    document: SentDocument | None
    reply_to_message_id: int | None
    edit_date: int | None
    deleted: bool
    versions: tuple[MessageVersion, ...]
    raw: dict[str, Any] = field(repr=False)

    @property
    def html(self) -> str | None:
        return self.raw_text if (self.parse_mode or "").lower() == "html" else None

    @property
    def edited(self) -> bool:
        return len(self.versions) > 1

    @property
    def history(self) -> list[str]:
        """Texts before each edit, oldest first (the current text is not included)."""
        return [v.text for v in self.versions[:-1]]

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard as rows of button texts ([] when there is none)."""
        return [[str(b.get("text", "")) for b in row] for row in _inline_rows(self.reply_markup)]

    @property
    def callback_data(self) -> dict[str, str]:
        """Button text -> callback_data, for the buttons that have callback_data."""
        return {
            str(b.get("text", "")): str(b["callback_data"])
            for row in _inline_rows(self.reply_markup)
            for b in row
            if "callback_data" in b
        }

    @property
    def button_urls(self) -> dict[str, str]:
        """Button text -> url, for URL buttons."""
        return {
            str(b.get("text", "")): str(b["url"])
            for row in _inline_rows(self.reply_markup)
            for b in row
            if "url" in b
        }

    def describe(self) -> str:
        """One readable block for assertion messages."""
        flags = []
        if self.edited:
            flags.append(f"edited {len(self.versions) - 1}x")
        if self.deleted:
            flags.append("DELETED")
        if self.document is not None:
            flags.append(f"document {self.document.filename!r}")
        head = f"#{self.message_id}" + (f" ({', '.join(flags)})" if flags else "")
        lines = [head, *("    " + line for line in (self.text or "<no text>").splitlines())]
        for row in self.buttons:
            lines.append("    [" + "] [".join(row) + "]")
        return "\n".join(lines)


@dataclass(frozen=True)
class CallbackAnswer:
    """How the bot answered one button press (answerCallbackQuery)."""

    query_id: str
    data: str | None
    message_id: int | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    update_id: int
    url: str
    time: float
    status: int | None
    error: str | None
