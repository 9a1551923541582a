"""`python -m bench reminders`: the outbox at size and at speed (issue 9).

- Start time (process start to its answer to a message sent right after it, bench/_bot.py) and resident
  memory of `inspectbot run` on a database
  holding 1,000,000 stored outbox rows (nine in ten sent, one in ten pending for next year), against the
  same bot on an empty outbox (the anchor). Targets: under 2 s, under 150 MB.
- The sending rate of a burst of 5,000 due reminders to 5,000 people, against the fake Bot API enforcing
  Telegram's limits (429 past 30 a second overall or 1 a second per chat), from the first message to the
  last, and the 429 answers it got. Anchor: Telegram's 30 a second. Targets: at least 28 a second, no 429.

The bot reads its time from a test clock file set to the working morning the burst is due.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import _bot
from bench._burst import NOW, write_burst
from bench._world import resident_mb
from bot.localapi import FakeBotApi

TELEGRAM_RATE = 30.0


def _launcher(api: FakeBotApi, workdir: Path) -> _bot.Bot:
    """A bot with reminders on, its clock at the burst's morning, on a migrated database in `workdir`."""
    clock = workdir / "clock.txt"
    clock.write_text(NOW.isoformat())
    env = _bot.bot_env(
        api.env(),
        workdir,
        INSPECTBOT_REMINDERS="on",
        INSPECTBOT_TESTING="1",
        INSPECTBOT_TEST_CLOCK_FILE=str(clock),
        INSPECTBOT_OUTBOX_TICK="1",
    )
    bot = _bot.Bot(env, workdir)
    # A first run on the empty database, as an operator's bot has had: it creates the schema and does the
    # day's housekeeping (the daily reveal would otherwise reconcile the burst's hand-written cases at the
    # start and cancel their rows).
    _bot.start_in_process(api, bot)
    bot.stop()
    return bot


def _start(api: FakeBotApi, workdir: Path, stored: int) -> tuple[float, float, float]:
    """(seconds from start to first answer, resident MB after start, build seconds) with `stored` rows."""
    bot = _launcher(api, workdir)
    began = time.perf_counter()
    people = write_burst(workdir / "inspectbot.sqlite3", 1, stored=stored)
    built = time.perf_counter() - began
    api.user(people[0], "P", started=True)
    started = _bot.start_in_process(api, bot)
    api.wait_until(lambda: api.chat(people[0]).messages() != [], timeout=30, what="the one due reminder")
    rss, _ = resident_mb(bot.pid)
    bot.stop()
    return started, rss, built


def _burst(api: FakeBotApi, workdir: Path, people: int) -> tuple[float, int, int]:
    """(messages a second from the first to the last, 429 answers, messages delivered)."""
    bot = _launcher(api, workdir)
    ids = write_burst(workdir / "inspectbot.sqlite3", people)
    for tid in ids:
        api.user(tid, f"P{tid}", started=True)
    api.enforce_limits()
    seen = len(api.calls("sendMessage"))
    bot.launch()
    try:
        api.wait_until(
            lambda: sum(1 for c in api.calls("sendMessage")[seen:] if c.status == 200) >= people,
            timeout=people / 20 + 60,
            what="the whole burst",
        )
    except AssertionError as exc:  # the figures say it: fewer delivered than due, and "NOT met"
        print(f"reminders: {exc}", file=sys.stderr)
    finally:
        bot.stop()
    sent = [c for c in api.calls("sendMessage")[seen:] if c.status == 200]
    span = sent[-1].time - sent[0].time
    return (len(sent) - 1) / span if span > 0 else float("inf"), api.too_many, len(sent)


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench reminders")
    parser.add_argument("--stored", type=int, default=1_000_000, help="outbox rows stored for the start")
    parser.add_argument("--people", type=int, default=5_000, help="reminders in the burst, one a person")
    options = parser.parse_args(args)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with FakeBotApi() as api:
            (root / "empty").mkdir()
            empty_s, empty_mb, _ = _start(api, root / "empty", 0)
        with FakeBotApi() as api:
            (root / "full").mkdir()
            full_s, full_mb, built = _start(api, root / "full", options.stored)
        with FakeBotApi() as api:
            (root / "burst").mkdir()
            rate, too_many, delivered = _burst(api, root / "burst", options.people)
    n = f"{options.stored:,}"
    print(f"reminders: {n} stored outbox rows written in {built:.1f}s; burst of {options.people:,}")
    print(f"reminders.start_empty_s: {empty_s:.3f} s (1.00x)")
    print(f"reminders.start_{options.stored}_s: {full_s:.3f} s ({full_s / empty_s:.2f}x)")
    print(f"reminders.rss_empty_mb: {empty_mb:.1f} MB (1.00x)")
    print(f"reminders.rss_{options.stored}_mb: {full_mb:.1f} MB ({full_mb / empty_mb:.2f}x)")
    print(f"reminders.burst_rate_per_s: {rate:.2f} ({rate / TELEGRAM_RATE:.2f}x Telegram's 30/s)")
    print(f"reminders.burst_429: {too_many}")
    print(f"reminders.burst_delivered: {delivered}")
    ok = full_s < 2 and full_mb < 150 and rate >= 28 and too_many == 0 and delivered == options.people
    print(
        f"reminders: start {full_s:.2f}s and {full_mb:.0f} MB with {n} rows (targets 2 s, 150 MB); "
        f"{rate:.1f} reminders/s with {too_many} 429s (targets 28/s, 0): {'met' if ok else 'NOT met'}"
    )
    return 0
