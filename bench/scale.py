"""How the bot's start, memory and answers grow with the number of cases stored.

For each size (default 1,000, 10,000 and 100,000 cases; bench/_world.py says what else the database
holds), the database is written with direct SQL, brought up to date with `inspectbot migrate`, and the
bot started as a process on the fake Bot API server. Figures:

- history: what a year of use leaves beside the cases (bench/_history.py): the open cases' pending
  reminders written by the store's own reconcile as of the next working morning, sent reminders, the
  audit trail, the inbox, requests and surveys; db_mb and kb_per_case, the database's size with them;
- start_s: from starting the process to its answer to a message sent right after the start (start to
  first answer, bench/_bot.py); rss_mb: resident memory then (/proc);
- for a manager's `/cases`, "is anything overdue?" and `/due` (no number), and an inspector's "when is
  the draft due?" (no number): first_s, the time to the first message of the answer, and all_s, the time
  to its last message (the answer is over when the bot sends nothing more for QUIET_S), with how many
  messages it took;
- peak_rss_mb: the highest resident memory over the run (VmHWM);
- manager_morning (issue 23): the first manager's digest as the outbox sender would render it that
  morning (handlers.outbox_messages.render over the rows due, as one claim takes them): rows, cases, render_ms
  (the median of three renderings, on the event loop) and the characters and Telegram messages it makes.

Each question is asked --repeat times (default REPEAT) and the median of its times is shown: the answers
take milliseconds, and one sample on a shared machine moves by half of that between runs, enough to
make a ratio of two of them say nothing. The first asking comes right after the answer to the start's probe.

A reply that has not finished within --timeout seconds prints "timeout" (with the messages so far); the
bot is then killed and started again for the next question, so one slow answer does not hold up the rest.
Each figure's ratio is to the same figure at the smallest size of the run (the issue's target is 2x or
less from 1,000 to 100,000 cases). The retention purge is pushed out of the way (a retention period
of a century), so that it does not run during the questions.

    python -m bench scale [--sizes 1000,10000,100000] [--timeout 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import _bot, _history, _world
from bot.localapi import FakeBotApi
from workflows.calendar import WorkingCalendar

QUIET_S = 1.5
#: Times each question is asked at each size (the median is shown).
REPEAT = 5
_SENDS = {"sendmessage", "editmessagetext"}


@dataclass
class Reply:
    """The bot's answer to one message: when it began and ended, in how many messages; None: timed out."""

    first_s: float | None
    all_s: float | None
    messages: int

    @staticmethod
    def median(samples: list[Reply]) -> Reply:
        """The median times of several askings; a timeout in any of them is the figure (it is the news)."""
        timed_out = next((r for r in samples if r.first_s is None or r.all_s is None), None)
        if timed_out is not None:
            return timed_out
        return Reply(
            statistics.median(r.first_s for r in samples if r.first_s is not None),
            statistics.median(r.all_s for r in samples if r.all_s is not None),
            samples[-1].messages,
        )


def _ask(api: FakeBotApi, user_id: int, text: str, timeout: float) -> Reply:
    """Send `text` as `user_id` and time the answer, until the bot goes quiet or `timeout` passes."""
    seen = len(api.calls())
    asked = time.time()
    api.user(user_id).send(text)
    first = last = None
    messages = 0
    while True:
        limit = asked + timeout - time.time()
        if last is not None:
            limit = min(limit, last + QUIET_S - time.time())
        if limit <= 0:
            break
        new = api.calls_after(seen, timeout=limit)
        seen += len(new)
        for call in new:
            if call.method.lower() in _SENDS and call.ok and int(call.params["chat_id"]) == user_id:
                done = call.time + call.duration
                first = done if first is None else first
                last = done
                messages += 1
    finished = last is not None and time.time() >= last + QUIET_S
    return Reply(
        None if first is None else first - asked, last - asked if finished and last else None, messages
    )


@dataclass
class SizeFigures:
    build_s: float
    migrate_s: float
    start_s: float
    rss_mb: float
    peak_rss_mb: float
    replies: dict[str, Reply]
    note: str
    db_mb: float
    kb_per_case: float
    pending: int
    morning: _history.Morning


_QUESTIONS = (
    ("manager", "cases", "/cases"),
    ("manager", "overdue", "is anything overdue?"),
    ("manager", "due", "/due"),
    ("manager", "programme", "/programme"),  # issue 22: every setting's next window, overdue first
    ("inspector", "question", "when is the draft due?"),
    ("manager", "help_manager", "/help"),  # "What you can do now": ten cases looked at, however many exist
    ("inspector", "help_inspector", "/help"),
)


def _measure(size: int, timeout: float, repeat: int) -> SizeFigures:
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{size}-") as tmp, FakeBotApi() as api:
        workdir = Path(tmp)
        began = time.perf_counter()
        world = _world.build(workdir / "inspectbot.sqlite3", size)
        build_s = time.perf_counter() - began
        manager = world.managers[0].telegram_id
        by_load = sorted(world.inspectors, key=lambda a: len(a.refs))
        inspector = by_load[len(by_load) // 2]  # an inspector with the median number of open cases
        askers = {"manager": manager, "inspector": inspector.telegram_id}
        for telegram_id in askers.values():
            api.user(telegram_id, f"U{telegram_id}")
        migrate_s = _bot.migrate(api.env(), workdir)
        db = workdir / "inspectbot.sqlite3"
        history = _history.write(db, _world.today())
        now = _history.morning(_world.today(), WorkingCalendar())
        pending, reconcile_s = _history.reconcile_open(db, now)
        db_mb = sum(p.stat().st_size for p in workdir.glob("inspectbot.sqlite3*")) / 1e6
        print(
            f"scale: {size:,}: history {history} written; {pending:,} pending outbox rows reconciled as of "
            f"{now:%Y-%m-%d %H:%M} UTC in {reconcile_s:.1f}s; database {db_mb:,.1f} MB",
            file=sys.stderr,
            flush=True,
        )
        bot = _bot.Bot(_bot.bot_env(api.env(), workdir, INSPECTBOT_RETENTION_DAYS="36500"), workdir)
        start_s = _bot.start_in_process(api, bot)
        rss_mb, peak = _world.resident_mb(bot.pid)
        replies: dict[str, Reply] = {}
        try:
            for who, name, text in _QUESTIONS:
                samples: list[Reply] = []
                for _ in range(repeat):
                    reply = _ask(api, askers[who], text, timeout)
                    samples.append(reply)
                    peak = max(peak, _world.resident_mb(bot.pid)[1])
                    if reply.all_s is None:  # still busy with it: start afresh for the next question
                        bot.stop(signal.SIGKILL)
                        _bot.start_in_process(api, bot)
                        break
                replies[name] = Reply.median(samples)
        finally:
            if bot.proc is not None:
                peak = max(peak, _world.resident_mb(bot.pid)[1])
                bot.stop(signal.SIGKILL)
        morning = _history.manager_morning(db, manager, now)
        note = (
            f"{size:,} cases ({world.open_cases:,} open), {world.people:,} people, {world.members:,} "
            f"members, {world.events:,} events; the inspector is on {len(inspector.refs)} open cases "
            f"(median of {len(world.inspectors)}; most {len(by_load[-1].refs)}, mean "
            f"{statistics.mean(len(a.refs) for a in world.inspectors):.0f})"
        )
        return SizeFigures(
            build_s,
            migrate_s,
            start_s,
            rss_mb,
            peak,
            replies,
            note,
            db_mb,
            db_mb * 1000 / max(1, world.open_cases),
            pending,
            morning,
        )


def _value(reply: Reply, which: str) -> float | None:
    return reply.first_s if which == "first_s" else reply.all_s


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="case counts, comma-separated")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds an answer may take")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="times each question is asked")
    options = parser.parse_args(args)
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        sizes = [int(part) for part in options.sizes.split(",")]
    except ValueError:
        print(f"scale: --sizes takes numbers like 1000,10000, not {options.sizes!r}", file=sys.stderr)
        return 2
    results: dict[int, SizeFigures] = {}
    for size in sizes:
        results[size] = figures = _measure(size, options.timeout, options.repeat)
        print(
            f"scale: {figures.note}; built in {figures.build_s:.1f}s, migrated in {figures.migrate_s:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    base = results[sizes[0]]

    def line(name: str, value: float | None, anchor: float | None, unit: str, extra: str = "") -> None:
        if value is None:
            print(f"{name}: timeout{extra}", flush=True)
            return
        ratio = f"{value / anchor:.2f}x" if anchor else "n/a"
        shown = f"{value:,.0f}" if unit in ("rows", "chars", "messages") else f"{value:,.3f}"
        print(f"{name}: {shown} {unit}{extra} ({ratio})", flush=True)

    for size in sizes:
        figures = results[size]
        line(f"scale.{size}.db_mb", figures.db_mb, base.db_mb, "MB")
        line(f"scale.{size}.kb_per_open_case", figures.kb_per_case, base.kb_per_case, "KB")
        line(f"scale.{size}.outbox_pending", figures.pending, base.pending, "rows")
        line(f"scale.{size}.start_s", figures.start_s, base.start_s, "s")
        line(f"scale.{size}.rss_mb", figures.rss_mb, base.rss_mb, "MB")
        line(f"scale.{size}.peak_rss_mb", figures.peak_rss_mb, base.peak_rss_mb, "MB")
        for _who, name, _text in _QUESTIONS:
            reply = figures.replies[name]
            for which in ("first_s", "all_s"):
                extra = f", {reply.messages} messages" if which == "all_s" else ""
                if which == "all_s" and reply.all_s is None:
                    extra = f" after {options.timeout:.0f}s ({reply.messages} messages by then)"
                line(
                    f"scale.{size}.{name}.{which}",
                    _value(reply, which),
                    _value(base.replies[name], which),
                    "s",
                    extra,
                )
        m, b = figures.morning, base.morning
        line(f"scale.{size}.manager_morning.rows", m.rows, b.rows, "rows")
        line(f"scale.{size}.manager_morning.render_ms", 1000 * m.render_s, 1000 * b.render_s, "ms")
        line(f"scale.{size}.manager_morning.characters", m.characters, b.characters, "chars")
        line(f"scale.{size}.manager_morning.messages", m.messages, b.messages, "messages")
    return 0
