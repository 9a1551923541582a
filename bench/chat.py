"""Plain-word questions answered a second, and reply latency, with the bot as a process on the fake server.

Setup (bench/_world.py): 500 cases of 250 settings, 40 inspectors and the settings' providers, written to
the database before the bot starts. Then three loads, each on inspectbot and, in the same run, on the
anchor, a minimal python-telegram-bot echo bot (bench/_echo.py) on the same fake server:

- burst (the throughput figure): 2,000 questions from 200 people ("when is the draft due for #12?",
  "what's the complaint deadline for #12?", "is anything overdue for #12?", ...), each person asking
  their next question as soon as the last is answered, so 200 are waiting at once: updates answered a
  second, and the latency of each reply (median, p99). A closed burst measures queueing, not the bot:
  the 200th question waits for the 199 before it, so its latency is the queue's length divided by the
  throughput (the echo bot's own p99 under it is hundreds of milliseconds);
- paced (the latency figure): the same 2,000 questions offered at a fixed rate (--paced, default
  PACED_RATE a second, the same for both bots), each sent on time whether or not the last ones were
  answered (an open loop): the latency (median, p99) a person sees when the bot is in steady use;
- alone: 200 questions one at a time (one from each person): the latency when the bot is idle.

The burst runs --rounds times (default ROUNDS) on each bot, the two bots taking turns (inspectbot then
echo, then echo then inspectbot, ...; each round starts its bot afresh, since two bots can't poll one
server): this machine's speed drifts by a third within minutes (other work shares its cores), so a ratio
is only fair between loads run close together. The burst's figure is the median over the rounds of
each round's own ratio (inspectbot's rate over the echo bot's, run next to it); every round's is printed
too. Latency and CPU of the burst are over all rounds. Paced and alone run once, in the first round.

cpu_ms_per_update is the bot process's CPU time (/proc) over a load, divided by the updates answered.
inspectbot's AIORateLimiter (30 messages a second overall by default, Telegram's own guidance) would cap
burst throughput near 30 a second whatever the CPU cost, and the echo bot has none: so the bot runs here
with INSPECTBOT_OVERALL_RATE=0 (no overall limit; the per-chat limits stay), to measure the bot rather
than the limiter; --rate N measures it with a limit of N a second.

Every question names a case the person is on, so the cost measured is per question, not per case stored
(bench/scale.py measures that). A reply is the bot's first sendMessage to the chat after the question.

With BENCH_PROFILE=FOLDER, each bot is sampled by py-spy during each load (bench/_profile.py).

    python -m bench chat [--quick] [--rate N] [--paced N] [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from bench import _profile, _world
from bot.localapi import FakeBotApi, FakeUser
from tests.botprocess import BotProcess

_TEMPLATES = (
    "when is the draft due for #{ref}?",
    "when is the draft report due for #{ref}?",
    "when do my comments have to be in for #{ref}?",
    "what's the complaint deadline for #{ref}?",
    "when is the final report due for #{ref}?",
    "when will the report be published for #{ref}?",
    "what's next for #{ref}?",
    "is anything overdue for #{ref}?",
)
_STALL_S = 60.0  # no reply for this long: the bot is stuck, stop
#: Questions a second in the paced load: well within what the echo anchor answers in a burst (430 to 660
#: a second on the development machine) and what inspectbot does (220 to 330), so the latency measured is
#: the bot's own work rather than a queue.
PACED_RATE = 100.0
#: Bursts on each bot, taking turns: enough for a median that one slow minute does not move.
ROUNDS = 3


@dataclass
class Figures:
    """One load on one bot."""

    answered: int
    seconds: float
    latencies: list[float]
    replies: Counter[str]
    cpu_s: float = 0.0  # the bot process's CPU time over the load

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds

    @staticmethod
    def pooled(rounds: list[Figures]) -> Figures:
        """Several runs of one load as one: every latency, every reply, the time and CPU added up."""
        return Figures(
            sum(f.answered for f in rounds),
            sum(f.seconds for f in rounds),
            [latency for f in rounds for latency in f.latencies],
            sum((f.replies for f in rounds), Counter[str]()),
            sum(f.cpu_s for f in rounds),
        )

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _drive(api: FakeBotApi, plan: dict[int, list[str]], at_once: int) -> Figures:
    """Ask every question of `plan` (person -> questions), at most `at_once` people waiting at a time."""
    users: dict[int, FakeUser] = {uid: api.user(uid, f"U{uid}") for uid in plan}
    queues = {uid: deque(texts) for uid, texts in plan.items() if texts}
    ready = deque(queues)
    waiting: dict[int, float] = {}
    latencies: list[float] = []
    replies: Counter[str] = Counter()
    seen = len(api.calls())

    def ask_next() -> None:
        while ready and len(waiting) < at_once:
            uid = ready.popleft()
            text = queues[uid].popleft()
            waiting[uid] = time.time()
            users[uid].send(text)

    began = time.time()
    ask_next()
    while waiting:
        new = api.calls_after(seen, timeout=_STALL_S)
        if not new:
            raise RuntimeError(f"no reply for {_STALL_S:.0f}s with {len(waiting)} questions waiting")
        seen += len(new)
        for call in new:
            if call.method.lower() != "sendmessage" or not call.ok:
                continue
            chat = int(call.params["chat_id"])
            asked_at = waiting.pop(chat, None)
            if asked_at is None:
                replies["(a second message for one question)"] += 1
                continue
            latencies.append(call.time + call.duration - asked_at)
            replies[str(call.params.get("text", ""))[:32]] += 1
            if queues[chat]:
                ready.append(chat)
        ask_next()
    return Figures(len(latencies), time.time() - began, latencies, replies)


def _drive_paced(api: FakeBotApi, plan: dict[int, list[str]], rate: float) -> Figures:
    """Offer every question of `plan` at `rate` a second, whether or not the last ones were answered
    (an open loop: a question's wait is the bot's doing, not that of the questions queued before it by
    the driver). People take turns, so one person's questions are `len(plan) / rate` seconds apart."""
    users: dict[int, FakeUser] = {uid: api.user(uid, f"U{uid}") for uid in plan}
    queues = [deque(texts) for texts in plan.values()]
    offers = [
        (uid, queue.popleft())
        for _ in range(max(len(q) for q in queues))
        for uid, queue in zip(plan, queues, strict=True)
        if queue
    ]
    asked: dict[int, deque[float]] = {uid: deque() for uid in plan}  # a chat's replies come in order
    latencies: list[float] = []
    replies: Counter[str] = Counter()
    seen = len(api.calls())
    began = time.time()
    offered = 0
    while offered < len(offers) or any(asked.values()):
        now = time.time()
        while offered < len(offers) and began + offered / rate <= now:
            uid, text = offers[offered]
            asked[uid].append(time.time())
            users[uid].send(text)
            offered += 1
        wait = began + offered / rate - time.time() if offered < len(offers) else _STALL_S
        new = api.calls_after(seen, timeout=max(wait, 0.0))
        if not new and offered == len(offers):
            waiting = sum(len(q) for q in asked.values())
            raise RuntimeError(f"no reply for {_STALL_S:.0f}s with {waiting} questions waiting")
        seen += len(new)
        for call in new:
            if call.method.lower() != "sendmessage" or not call.ok:
                continue
            times = asked.get(int(call.params["chat_id"]))
            if not times:
                replies["(a second message for one question)"] += 1
                continue
            latencies.append(call.time + call.duration - times.popleft())
            replies[str(call.params.get("text", ""))[:32]] += 1
    return Figures(len(latencies), time.time() - began, latencies, replies)


def _plans(
    askers: list[_world.Asker], questions: int, rng: random.Random
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """(busy: `questions` spread over the askers, alone: one question each)."""
    each, extra = divmod(questions, len(askers))
    busy = {
        a.telegram_id: [
            rng.choice(_TEMPLATES).format(ref=rng.choice(a.refs)) for _ in range(each + (i < extra))
        ]
        for i, a in enumerate(askers)
    }
    alone = {a.telegram_id: [rng.choice(_TEMPLATES).format(ref=rng.choice(a.refs))] for a in askers}
    return busy, alone


def _run_loads(
    api: FakeBotApi,
    pid: int,
    loads: dict[str, Callable[[], Figures]],
    name: str,
) -> dict[str, Figures]:
    """Each load on the bot process `pid` (sampled by py-spy when BENCH_PROFILE asks)."""
    measured: dict[str, Figures] = {}
    profiles = _profile.folder()
    for load, drive in loads.items():
        cpu = _world.cpu_seconds(pid)
        out = profiles / f"{name}.{load}.txt" if profiles else None
        with _profile.sampling(pid, out) if out else nullcontext():
            figures = drive()
        figures.cpu_s = _world.cpu_seconds(pid) - cpu
        if out:
            print(_profile.summary(out), file=sys.stderr)
        measured[load] = figures
    return measured


@dataclass
class _Runs:
    """Every load's figures on one bot, a list a load (the burst has one a round)."""

    loads: dict[str, list[Figures]]

    def add(self, measured: dict[str, Figures]) -> None:
        for load, figures in measured.items():
            self.loads.setdefault(load, []).append(figures)

    def pooled(self) -> dict[str, Figures]:
        return {load: Figures.pooled(runs) for load, runs in self.loads.items()}


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench chat", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="400 questions from 100 people")
    parser.add_argument("--rate", type=float, default=0, help="INSPECTBOT_OVERALL_RATE (0: no overall limit)")
    parser.add_argument(
        "--paced", type=float, default=PACED_RATE, help="questions a second offered when paced"
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="bursts on each bot, taking turns")
    options = parser.parse_args(args)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    people, questions = (100, 400) if options.quick else (200, 2_000)
    rng = random.Random(8)
    ours, anchor = _Runs({}), _Runs({})
    problems = ""
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp, FakeBotApi() as api:
        workdir = Path(tmp)
        world = _world.build(workdir / "inspectbot.sqlite3", 500, settings=250, inspectors=40, span_days=60)
        candidates = [a for a in world.inspectors + world.providers if a.refs]
        if len(candidates) < people:
            print(f"chat: only {len(candidates)} people have open cases, {people} wanted", file=sys.stderr)
            return 1
        askers = rng.sample(candidates, people)
        burst, alone = _plans(askers, questions, rng)
        _world.migrate(workdir, api)
        for round_ in range(options.rounds):
            loads: dict[str, Callable[[], Figures]] = {"burst": lambda: _drive(api, burst, len(burst))}
            if round_ == 0:
                loads["paced"] = lambda: _drive_paced(api, burst, options.paced)
                loads["alone"] = lambda: _drive(api, alone, 1)
            turns = ("inspectbot", "echo") if round_ % 2 == 0 else ("echo", "inspectbot")
            for turn in turns:
                if turn == "echo":
                    with _world.echo_bot(api, workdir) as echo:
                        anchor.add(_run_loads(api, echo.pid, loads, f"echo.round{round_ + 1}"))
                    continue
                bot = BotProcess(api, workdir, INSPECTBOT_OVERALL_RATE=f"{options.rate:g}").start(timeout=60)
                try:
                    assert bot.proc is not None
                    measured = _run_loads(api, bot.proc.pid, loads, f"inspectbot.round{round_ + 1}")
                finally:
                    bot.stop()
                ours.add(measured)
                problems = problems or _problems(
                    bot, sum((f.replies for f in measured.values()), Counter[str]())
                )

    print(
        f"chat: burst: {questions:,} questions from {people} people, each asking again once answered, "
        f"{options.rounds} round(s) on each bot taking turns; "
        f"paced: the same questions offered at {options.paced:g} a second, answered or not; "
        f"alone: {people} one at a time",
        file=sys.stderr,
    )
    replies = sum((f.replies for runs in ours.loads.values() for f in runs), Counter[str]())
    print("chat: inspectbot's replies began with:", file=sys.stderr)
    for start, count in replies.most_common(8):
        print(f"  {count:5d}  {start!r}", file=sys.stderr)
    _report(ours, anchor)
    if problems:
        print(f"chat: {problems}", file=sys.stderr)
        return 1
    return 0


def _problems(bot: BotProcess, replies: Counter[str]) -> str:
    """Why the figures can't be trusted, if they can't: failures, refusals, or misread questions."""
    log = bot.log_text()
    if "Traceback" in log or "update failed" in log:
        return f"the bot logged a failure; its log ends:\n{log[-2000:]}"
    misread = sum(
        n for text, n in replies.items() if text.startswith(("I didn't catch", "This bot is by invitation"))
    )
    if misread:
        return f"{misread} questions were not understood or refused, so the figures measure the wrong thing"
    return ""


def _report(ours: _Runs, anchor: _Runs) -> None:
    """One line a figure; the burst's rate is the median of the rounds' own ratios, each round shown."""
    mine_rounds, their_rounds = ours.loads["burst"], anchor.loads["burst"]
    ratios = [m.per_second / t.per_second for m, t in zip(mine_rounds, their_rounds, strict=True)]
    pooled_mine, pooled_theirs = ours.pooled(), anchor.pooled()
    figures: list[tuple[str, str, Callable[[Figures], float]]] = [
        ("updates_per_s", "/s", lambda f: f.per_second),
        ("latency_ms.median", "ms", lambda f: 1000 * statistics.median(f.latencies)),
        ("latency_ms.p99", "ms", lambda f: 1000 * f.percentile(0.99)),
        ("cpu_ms_per_update", "ms", lambda f: 1000 * f.cpu_s / f.answered),
    ]
    shown = [
        (f"{load}.{name}", unit, value, load)
        for load in pooled_mine
        for name, unit, value in figures
        if load != "alone" or name.startswith("latency")
    ]
    for name, unit, value, load in shown:
        if name == "burst.updates_per_s":
            rate = statistics.median(f.per_second for f in mine_rounds)
            print(f"chat.{name}: {rate:,.1f} {unit} ({statistics.median(ratios):.2f}x)")
            continue
        mine, theirs = value(pooled_mine[load]), value(pooled_theirs[load])
        print(f"chat.{name}: {mine:,.1f} {unit} ({mine / theirs:.2f}x)")
    for number, (m, ratio) in enumerate(zip(mine_rounds, ratios, strict=True), start=1):
        print(f"chat.burst.round{number}.updates_per_s: {m.per_second:,.1f} /s ({ratio:.2f}x)")
    for name, unit, value, load in shown:
        theirs = (
            statistics.median(f.per_second for f in their_rounds)
            if name == "burst.updates_per_s"
            else value(pooled_theirs[load])
        )
        print(f"anchor.echo.{name}: {theirs:,.1f} {unit} (1.00x)")
    for number, t in enumerate(their_rounds, start=1):
        print(f"anchor.echo.burst.round{number}.updates_per_s: {t.per_second:,.1f} /s (1.00x)")
