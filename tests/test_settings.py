"""Settings: defaults, parsing of the comma lists, and one clear line for each bad value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_URL, SettingsError, load_settings

_VARS = [
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "INSPECTBOT_DB",
    "INSPECTBOT_ADMINS",
    "INSPECTBOT_TZ",
    "INSPECTBOT_CLOSURES",
    "INSPECTBOT_RETENTION_DAYS",
    "INSPECTBOT_BOT_USERNAME",
    "INSPECTBOT_REMIND_AT",
    "INSPECTBOT_REMINDERS",
    "INSPECTBOT_OUTBOX_TICK",
    "INSPECTBOT_RETRY_PAUSES",
    "INSPECTBOT_OUTBOX_CHAT_GAP",
    "INSPECTBOT_OUTBOX_LOOK_AGAIN",
    "INSPECTBOT_TESTING",
    "INSPECTBOT_TEST_CLOCK_FILE",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc-DEF_1")
    settings = load_settings()
    assert settings.telegram_api_url == DEFAULT_API_URL
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.db == Path("inspectbot.sqlite3")
    assert settings.admins == []
    assert settings.tz == "Europe/London"
    assert settings.retention_days == 365
    assert settings.retry_pauses == (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)  # about 15 s of retries (bot.sending)
    assert (settings.outbox_chat_gap, settings.outbox_look_again) == (1.0, 5.0)  # bot.outbox's pacing


def test_lists_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/bot/")
    monkeypatch.setenv("INSPECTBOT_ADMINS", " 11, 22 ,")
    monkeypatch.setenv("INSPECTBOT_CLOSURES", "2026-12-24,2026-12-31")
    monkeypatch.setenv("INSPECTBOT_RETRY_PAUSES", "0.05, 0.1,")
    settings = load_settings()
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.admins == [11, 22]
    assert settings.closures == [date(2026, 12, 24), date(2026, 12, 31)]
    assert settings.retry_pauses == (0.05, 0.1)


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=9:xyz\nINSPECTBOT_ADMINS=5\n")
    settings = load_settings()
    assert settings.telegram_bot_token.get_secret_value() == "9:xyz"
    assert settings.admins == [5]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)."),
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "TELEGRAM_BOT_TOKEN should look like 123456:ABC-DEF"),
        ({"INSPECTBOT_ADMINS": "12,bob"}, "INSPECTBOT_ADMINS 'bob' is not a Telegram user id"),
        ({"INSPECTBOT_TZ": "Mars/Olympus"}, "INSPECTBOT_TZ 'Mars/Olympus' is not a time zone"),
        ({"INSPECTBOT_CLOSURES": "24/12/2026"}, "INSPECTBOT_CLOSURES should be dates like 2026-12-24"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL should be an http(s) URL"),
        ({"INSPECTBOT_RETENTION_DAYS": "0"}, "INSPECTBOT_RETENTION_DAYS "),
        ({"INSPECTBOT_RETRY_PAUSES": "1,soon"}, "INSPECTBOT_RETRY_PAUSES should be seconds separated by"),
        ({"INSPECTBOT_RETRY_PAUSES": "1,-2"}, "INSPECTBOT_RETRY_PAUSES should be at most 10 pauses"),
    ],
)
def test_bad_settings_give_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    if env and "TELEGRAM_BOT_TOKEN" not in env:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:a")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_reminder_settings_and_the_test_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from datetime import time

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc-DEF_1")
    settings = load_settings()
    assert (settings.remind_at, settings.reminders, settings.outbox_tick) == (time(9, 0), True, 60.0)
    assert settings.test_clock_file is None
    monkeypatch.setenv("INSPECTBOT_REMIND_AT", "21:00")
    with pytest.raises(SettingsError, match=r"^INSPECTBOT_REMIND_AT should be a time between 08:00"):
        load_settings()
    monkeypatch.setenv("INSPECTBOT_REMIND_AT", "08:30")
    monkeypatch.setenv("INSPECTBOT_TEST_CLOCK_FILE", str(tmp_path / "clock.txt"))
    with pytest.raises(SettingsError, match=r"^INSPECTBOT_TEST_CLOCK_FILE is for tests only"):
        load_settings()  # a clock file alone is never honoured
    monkeypatch.setenv("INSPECTBOT_TESTING", "1")
    settings = load_settings()
    assert settings.remind_at == time(8, 30) and settings.test_clock_file == tmp_path / "clock.txt"
