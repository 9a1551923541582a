"""Settings from the environment and a `.env` file, checked once at start so a bad one stops the bot early."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from store.outbox import ReminderConfig
    from workflows.calendar import WorkingCalendar

DEFAULT_API_URL = "https://api.telegram.org"
#: Pauses between tries of a Telegram request that certainly failed (5xx, never sent), in seconds: about
#: 15 s in all (bot.sending). Tests of the retries set short ones with INSPECTBOT_RETRY_PAUSES.
RETRY_PAUSES: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
#: Seconds before the outbox sender looks again at a row that waits for another (bot.outbox).
LOOK_AGAIN_S = 5.0
#: Seconds between two outbox messages to one chat (bot.outbox's pacer): Telegram allows about one a second.
CHAT_GAP_S = 1.0
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{1,}$")
#: What Telegram allows in a webhook's secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line an operator can act on."""


class ReminderSettings(BaseSettings):
    """What places reminders (their hour, the time zone, the closures): read the same way, from the
    environment and `.env`, by the bot and by every command that writes the outbox, so all plan alike."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    tz: str = Field(default="Europe/London", validation_alias="INSPECTBOT_TZ")
    closures: Annotated[list[date], NoDecode] = Field(
        default_factory=list, validation_alias="INSPECTBOT_CLOSURES"
    )
    remind_at: time = Field(default=time(9, 0), validation_alias="INSPECTBOT_REMIND_AT")

    @field_validator("closures", mode="before")
    @classmethod
    def _closures(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return [date.fromisoformat(p) for p in parts]
            except ValueError as exc:
                raise ValueError("should be dates like 2026-12-24, separated by commas") from exc
        return value

    @field_validator("remind_at")
    @classmethod
    def _remind_at(cls, value: time) -> time:
        if not time(8, 0) <= value < time(20, 0):
            raise ValueError("should be a time between 08:00 and 20:00, such as 09:00")
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"'{value}' is not a time zone name such as Europe/London") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def reminder_config(self, calendar: WorkingCalendar) -> ReminderConfig:
        """The outbox's settings (for `db.reminding.config`) with `calendar`: the database's, which carries
        the closures its deadlines are dated with."""
        from store.outbox import ReminderConfig
        from workflows.reminders import Hours

        return ReminderConfig(Hours(self.zone, self.remind_at), calendar)


class Settings(ReminderSettings):
    """Everything the bot reads from its environment."""

    telegram_bot_token: SecretStr = Field(validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default=DEFAULT_API_URL, validation_alias="TELEGRAM_API_URL")
    db: Path = Field(default=Path("inspectbot.sqlite3"), validation_alias="INSPECTBOT_DB")
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list, validation_alias="INSPECTBOT_ADMINS")
    bot_username: str | None = Field(default=None, validation_alias="INSPECTBOT_BOT_USERNAME")
    retention_days: int = Field(default=365, ge=1, validation_alias="INSPECTBOT_RETENTION_DAYS")
    #: How long handled updates, finished outbox rows and used or expired invitations are kept (days).
    keep_inbox_days: int = Field(default=3, ge=1, le=365, validation_alias="INSPECTBOT_KEEP_INBOX_DAYS")
    keep_sent_days: int = Field(default=90, ge=1, le=3650, validation_alias="INSPECTBOT_KEEP_SENT_DAYS")
    keep_invites_days: int = Field(default=90, ge=1, le=3650, validation_alias="INSPECTBOT_KEEP_INVITES_DAYS")
    poll_timeout: int = Field(default=30, ge=0, le=50, validation_alias="INSPECTBOT_POLL_TIMEOUT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="INSPECTBOT_LOG_LEVEL"
    )
    log_format: Literal["kv", "json"] = Field(default="kv", validation_alias="INSPECTBOT_LOG_FORMAT")
    # Webhook mode (bot.webhook) when a URL is set; long polling otherwise.
    webhook_url: str | None = Field(default=None, validation_alias="INSPECTBOT_WEBHOOK_URL")
    webhook_listen: str = Field(default="0.0.0.0", validation_alias="INSPECTBOT_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, ge=1, le=65535, validation_alias="INSPECTBOT_WEBHOOK_PORT")
    webhook_secret: SecretStr | None = Field(default=None, validation_alias="INSPECTBOT_WEBHOOK_SECRET")
    webhook_cert: Path | None = Field(default=None, validation_alias="INSPECTBOT_WEBHOOK_CERT")
    webhook_key: Path | None = Field(default=None, validation_alias="INSPECTBOT_WEBHOOK_KEY")
    #: Messages a second the bot sends in all (AIORateLimiter's overall_max_rate). Telegram allows about
    #: 30; 0 switches the overall limit off (for a local test server; the per-chat limits stay).
    overall_max_rate: float = Field(default=30, ge=0, le=1000, validation_alias="INSPECTBOT_OVERALL_RATE")
    reminders: bool = Field(default=True, validation_alias="INSPECTBOT_REMINDERS")
    outbox_tick: float = Field(default=60.0, ge=0.05, le=60.0, validation_alias="INSPECTBOT_OUTBOX_TICK")
    #: Seconds before the sender looks again at a row that must wait for another (bot.outbox LOOK_AGAIN).
    outbox_look_again: float = Field(
        default=LOOK_AGAIN_S, ge=0.05, le=60.0, validation_alias="INSPECTBOT_OUTBOX_LOOK_AGAIN"
    )
    #: Seconds between two outbox messages to one chat (bot.outbox PER_CHAT); tests without Telegram's
    #: limits set a short one.
    outbox_chat_gap: float = Field(
        default=CHAT_GAP_S, ge=0, le=60.0, validation_alias="INSPECTBOT_OUTBOX_CHAT_GAP"
    )
    #: Pauses between tries of a request that certainly failed, e.g. "0.25,0.5,1,2,4,8" (bot.sending).
    retry_pauses: Annotated[tuple[float, ...], NoDecode] = Field(
        default=RETRY_PAUSES, validation_alias="INSPECTBOT_RETRY_PAUSES"
    )
    testing: bool = Field(default=False, validation_alias="INSPECTBOT_TESTING")
    #: `host:port` where GET /healthz and /metrics are served (bot.metrics); off when unset.
    metrics_listen: tuple[str, int] | None = Field(default=None, validation_alias="INSPECTBOT_METRICS_LISTEN")
    test_clock_file: Path | None = Field(default=None, validation_alias="INSPECTBOT_TEST_CLOCK_FILE")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("should look like 123456:ABC-DEF (the token @BotFather gave you)")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError("should be an http(s) URL such as https://api.telegram.org")
        return url.removesuffix("/bot")

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://[^/\s]+", value.strip()):
            raise ValueError("should be the public https URL Telegram posts updates to")
        return value.strip()

    @field_validator("metrics_listen", mode="before")
    @classmethod
    def _metrics_listen(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            host, _, port = value.strip().rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError("should be an address and port such as 127.0.0.1:9464")
            return (host.strip("[]"), int(port))
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET.match(value.get_secret_value()):
            raise ValueError("should be 1 to 256 letters, digits, '_' or '-' (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "INSPECTBOT_WEBHOOK_SECRET is not set: webhook mode needs a secret token, so that only"
                " Telegram can post updates"
            )
        if (self.webhook_cert is None) != (self.webhook_key is None):
            raise ValueError(
                "INSPECTBOT_WEBHOOK_CERT and INSPECTBOT_WEBHOOK_KEY go together: set both or neither"
            )
        for path in (self.webhook_cert, self.webhook_key):
            if path is not None and not path.is_file():
                raise ValueError(f"the webhook certificate or key {path} is not a file")
        return self

    @field_validator("retry_pauses", mode="before")
    @classmethod
    def _retry_pauses(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return tuple(float(p) for p in value.split(",") if p.strip())
            except ValueError as exc:
                raise ValueError("should be seconds separated by commas, such as 0.25,0.5,1,2,4,8") from exc
        return value

    @field_validator("retry_pauses")
    @classmethod
    def _retry_pauses_range(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) > 10 or not all(0 <= pause <= 60 for pause in value):
            raise ValueError("should be at most 10 pauses, each from 0 to 60 seconds")
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts:
                if not part.isdigit():
                    raise ValueError(f"'{part}' is not a Telegram user id (a whole number)")
            return [int(p) for p in parts]
        return value

    @field_validator("test_clock_file")
    @classmethod
    def _test_clock(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None and not info.data.get("testing"):
            raise ValueError("is for tests only: set INSPECTBOT_TESTING=1 as well")
        return value

    @property
    def base_url(self) -> str:
        """What python-telegram-bot appends the token and method to."""
        return f"{self.telegram_api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"


_S = TypeVar("_S", bound=ReminderSettings)

_ENV_NAMES = {
    name: (field.validation_alias if isinstance(field.validation_alias, str) else name.upper())
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    return _load(Settings, overrides)


def load_reminder_settings(**overrides: Any) -> ReminderSettings:
    """The reminder settings alone, for the commands that write the outbox without a Telegram token."""
    return _load(ReminderSettings, overrides)


def _load(cls: type[_S], overrides: dict[str, Any]) -> _S:
    try:
        return cls(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        name = _ENV_NAMES.get(field, field)
        if error["type"] == "missing":
            hint = " (get a token from @BotFather)" if name == "TELEGRAM_BOT_TOKEN" else ""
            raise SettingsError(f"{name} is not set{hint}.") from None
        message = str(error["msg"]).removeprefix("Value error, ")
        if not name:  # a rule across settings: its message names them
            raise SettingsError(f"{message}.") from None
        raise SettingsError(f"{name} {message}.") from None
