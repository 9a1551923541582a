"""A 429 passed on by PTB's rate limiter is a one-line warning in the bot's log, not a traceback."""

from __future__ import annotations

import io
import logging

from telegram.error import RetryAfter

from bot import logs


def test_a_rate_limit_hit_is_one_warning_line_without_a_traceback() -> None:
    logs.configure("INFO", "kv")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.KeyValueFormatter([]))
    limiter = logging.getLogger("telegram.ext.AIORateLimiter")
    limiter.addHandler(handler)
    try:
        try:
            raise RetryAfter(3)
        except RetryAfter as exc:
            limiter.exception("Rate limit hit after maximum of %d retries", 0, exc_info=exc)
        try:
            raise ValueError("something else")
        except ValueError as exc:
            limiter.exception("another failure", exc_info=exc)
    finally:
        limiter.removeHandler(handler)
    first, *rest = stream.getvalue().splitlines()
    assert "level=warning" in first and "429" in first and "Traceback" not in first
    assert "Traceback" in "\n".join(rest)  # anything else keeps its traceback


def test_the_scheduler_s_every_tick_lines_are_kept_out_at_info_but_its_failures_are_not() -> None:
    logs.configure("INFO", "kv")
    executor = logging.getLogger("apscheduler.executors.default")
    assert not executor.isEnabledFor(logging.INFO)  # "Running job ..." once a second
    assert executor.isEnabledFor(logging.WARNING)  # a missed run
    assert executor.isEnabledFor(logging.ERROR)  # a job that raised
    # Issue 21: its start-up lines ("Adding job tentatively", four a start) only when asked for (DEBUG).
    assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
    assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.WARNING)
    logs.configure("DEBUG", "kv")
    assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.INFO)  # never: it logs values
    logs.configure("INFO", "kv")
