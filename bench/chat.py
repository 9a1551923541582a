"""CPU per update and reply latency of plain-word questions, against python-telegram-bot's echo bot.

Three processes (issue 23): the fake Bot API server alone in one (bench/_server.py), the bot in another,
and this one, the driver, which sends the questions through the server's standard streams and times
the replies. Sharing a process (and its interpreter lock) with the server, the driver slowed the server
and so squeezed the ratio to the anchor toward 1.

Setup (bench/_world.py): 500 cases of 250 settings, 40 inspectors and the settings' providers, written to
the database before the bot starts. Then three loads, each on inspectbot and, in the same round, on the
anchor, a minimal python-telegram-bot echo bot (bench/_echo.py) on the same fake server, and on the same
echo bot sending through inspectbot's own HTTP requests (`bot.aiohttp_request`, aiohttp where PTB's
default is httpx): the first is the issue's anchor, the second shows what inspectbot's own work costs
(the inbox, the saved state, the answer) with the HTTP library's share taken out:

- alone (one at a time): 200 questions, one from each person, each sent when the last was answered;
- paced: 2,000 questions ("when is the draft due for #12?", "what's the complaint deadline for #12?",
  ...) from 200 people offered at a fixed rate (--paced, default PACED_RATE a second, the same for
  both bots), each sent on time whether or not the last ones were answered (an open loop);
- burst (all at once): the same 2,000 questions, each person asking again as soon as answered, so 200
  are waiting at once: the throughput (updates answered a second).

The headline is cpu_ms_per_update, the bot process's CPU time (/proc) over a load divided by the updates
answered, against the echo bot's, one at a time (alone), paced and all at once (burst); throughput and
latency (median, p99) are beside it, and server_cpu_share, the fake server's CPU time over the load's
wall time (near 1, the server, one Python process, is what limits the throughput). A closed burst's
latency measures the queue (the 200th question waits for the 199 before it), not the bot.

Every load runs --rounds times (default ROUNDS) on each bot, the three taking turns (inspectbot, echo,
echo on aiohttp, then the other way round, ...; each round starts its bot afresh): the machine is shared
and its speed drifts, so a ratio is only fair between loads run close together. Each figure is the median
over the rounds of that round's own ratio, with the rounds' range beside it.

inspectbot's AIORateLimiter (30 messages a second overall by default, Telegram's own guidance) would cap
burst throughput near 30 a second whatever the CPU cost, and the echo bot has none: so the bot runs here
with INSPECTBOT_OVERALL_RATE=0 (no overall limit; the per-chat limits stay), to measure the bot rather
than the limiter; --rate N measures it with a limit of N a second.

Each bot answers WARM_UP questions one at a time right after it starts, before anything is measured (the
two alike): the first questions after a start cost inspectbot about 0.5 ms more each (3.0 against 2.44 ms,
wt-cpu2's harness: the interpreter specialising its code, caches filling, SQLite preparing statements),
which fell on the first load measured, one at a time, and is not a cost per update. The start itself is
`bench scale`'s figure (start to first answer).

Every question names a case the person is on, so the cost measured is per question, not per case stored
(bench/scale.py measures that). A reply is the bot's first sendMessage to the chat after the question.
Each bot counts as up when it has answered a probe message (bench/_bot.py), sent before the loads.

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

from bench import _bot, _profile, _world
from bench._server import ServerProcess

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
    server_cpu_s: float = 0.0  # the fake server's (is it the bottleneck? a share near 1 says so)

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _drive(server: ServerProcess, plan: dict[int, list[str]], at_once: int) -> Figures:
    """Ask every question of `plan` (person -> questions), at most `at_once` people waiting at a time."""
    queues = {uid: deque(texts) for uid, texts in plan.items() if texts}
    ready = deque(queues)
    waiting: dict[int, float] = {}
    latencies: list[float] = []
    replies: Counter[str] = Counter()

    def ask_next() -> None:
        while ready and len(waiting) < at_once:
            uid = ready.popleft()
            text = queues[uid].popleft()
            waiting[uid] = time.time()
            server.send(uid, text)

    began = time.time()
    ask_next()
    while waiting:
        new = server.replies(timeout=_STALL_S)
        if not new:
            raise RuntimeError(f"no reply for {_STALL_S:.0f}s with {len(waiting)} questions waiting")
        for reply in new:
            chat = reply.chat
            asked_at = waiting.pop(chat, None)
            if asked_at is None:
                replies["(a second message for one question)"] += 1
                continue
            latencies.append(reply.at - asked_at)
            replies[reply.text] += 1
            if queues[chat]:
                ready.append(chat)
        ask_next()
    return Figures(len(latencies), time.time() - began, latencies, replies)


def _drive_paced(server: ServerProcess, plan: dict[int, list[str]], rate: float) -> Figures:
    """Offer every question of `plan` at `rate` a second, whether or not the last ones were answered
    (an open loop: a question's wait is the bot's doing, not that of the questions queued before it by
    the driver). People take turns, so one person's questions are `len(plan) / rate` seconds apart."""
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
    began = time.time()
    offered = 0
    while offered < len(offers) or any(asked.values()):
        now = time.time()
        while offered < len(offers) and began + offered / rate <= now:
            uid, text = offers[offered]
            asked[uid].append(time.time())
            server.send(uid, text)
            offered += 1
        wait = began + offered / rate - time.time() if offered < len(offers) else _STALL_S
        new = server.replies(timeout=wait)
        if not new and offered == len(offers):
            waiting = sum(len(q) for q in asked.values())
            raise RuntimeError(f"no reply for {_STALL_S:.0f}s with {waiting} questions waiting")
        for reply in new:
            times = asked.get(reply.chat)
            if not times:
                replies["(a second message for one question)"] += 1
                continue
            latencies.append(reply.at - times.popleft())
            replies[reply.text] += 1
    return Figures(len(latencies), time.time() - began, latencies, replies)


#: The bots measured, in the order of even rounds (odd rounds go the other way): inspectbot, the echo bot
#: (PTB's default requests, httpx) and the echo bot sending as inspectbot does (aiohttp).
_SAME_TRANSPORT = "echo-aiohttp"
_TURNS = ("inspectbot", "echo", _SAME_TRANSPORT)

#: Questions each bot answers, one at a time, after its start and before the measured loads.
WARM_UP = 40


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
    server_pid: int,
    pid: int,
    loads: dict[str, Callable[[], Figures]],
    name: str,
) -> dict[str, Figures]:
    """Each load on the bot process `pid` (sampled by py-spy when BENCH_PROFILE asks)."""
    measured: dict[str, Figures] = {}
    profiles = _profile.folder()
    for load, drive in loads.items():
        cpu, server_cpu = _world.cpu_seconds(pid), _world.cpu_seconds(server_pid)
        out = profiles / f"{name}.{load}.txt" if profiles else None
        with _profile.sampling(pid, out) if out else nullcontext():
            figures = drive()
        figures.cpu_s = _world.cpu_seconds(pid) - cpu
        figures.server_cpu_s = _world.cpu_seconds(server_pid) - server_cpu
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
    runs = {turn: _Runs({}) for turn in _TURNS}
    problems = ""
    server = ServerProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
            workdir = Path(tmp)
            world = _world.build(
                workdir / "inspectbot.sqlite3", 500, settings=250, inspectors=40, span_days=60
            )
            candidates = [a for a in world.inspectors + world.providers if a.refs]
            if len(candidates) < people:
                print(
                    f"chat: only {len(candidates)} people have open cases, {people} wanted", file=sys.stderr
                )
                return 1
            askers = rng.sample(candidates, people)
            burst, alone = _plans(askers, questions, rng)
            _, warm = _plans(askers[:WARM_UP], WARM_UP, rng)
            _bot.migrate(server.env, workdir)
            loads: dict[str, Callable[[], Figures]] = {
                "alone": lambda: _drive(server, alone, 1),
                "paced": lambda: _drive_paced(server, burst, options.paced),
                "burst": lambda: _drive(server, burst, len(burst)),
            }
            for round_ in range(options.rounds):
                for turn in _TURNS if round_ % 2 == 0 else _TURNS[::-1]:
                    echo = turn != "inspectbot"
                    extra = (
                        {"BENCH_ECHO_REQUEST": "aiohttp" if turn == _SAME_TRANSPORT else "httpx"}
                        if echo
                        else {"INSPECTBOT_OVERALL_RATE": f"{options.rate:g}"}
                    )
                    bot = _bot.Bot(_bot.bot_env(server.env, workdir, **extra), workdir, echo=echo)
                    _start(server, bot)
                    try:
                        _drive(server, warm, 1)  # not measured: see WARM_UP
                        measured = _run_loads(server.proc.pid, bot.pid, loads, f"{turn}.round{round_ + 1}")
                    finally:
                        bot.stop()
                    runs[turn].add(measured)
                    if turn == "inspectbot":
                        problems = problems or _problems(
                            bot, sum((f.replies for f in measured.values()), Counter[str]())
                        )
    finally:
        server.close()
    if server.internal_errors:
        problems = problems or f"the fake server failed: {server.internal_errors[:3]}"

    print(
        f"chat: alone: {people} questions one at a time; paced: {questions:,} questions from {people} "
        f"people offered at {options.paced:g} a second, answered or not; burst: the same questions, each "
        f"person asking again once answered; {options.rounds} round(s) on each bot taking turns",
        file=sys.stderr,
    )
    replies = sum((f.replies for load in runs["inspectbot"].loads.values() for f in load), Counter[str]())
    print("chat: inspectbot's replies began with:", file=sys.stderr)
    for start, count in replies.most_common(8):
        print(f"  {count:5d}  {start!r}", file=sys.stderr)
    _report(runs["inspectbot"], runs["echo"], runs[_SAME_TRANSPORT])
    if problems:
        print(f"chat: {problems}", file=sys.stderr)
        return 1
    return 0


def _start(server: ServerProcess, bot: _bot.Bot, timeout: float = 120) -> float:
    """Launch `bot`, send the probe at once, wait for its answer; returns seconds from launch to answer."""
    bot.launch()
    server.send(_bot.PROBE_ID, _bot.PROBE_TEXT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for reply in server.replies(timeout=0.5):
            if reply.chat == _bot.PROBE_ID:
                return reply.at - bot.launched
        bot.check_alive()
    bot.stop()
    raise RuntimeError(f"the bot did not answer within {timeout:.0f}s:\n{bot.log_text()[-3000:]}")


def _problems(bot: _bot.Bot, replies: Counter[str]) -> str:
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


_FIGURES: list[tuple[str, str, Callable[[Figures], float]]] = [
    ("cpu_ms_per_update", "ms", lambda f: 1000 * f.cpu_s / f.answered),
    ("updates_per_s", "/s", lambda f: f.per_second),
    ("latency_ms.median", "ms", lambda f: 1000 * statistics.median(f.latencies)),
    ("latency_ms.p99", "ms", lambda f: 1000 * f.percentile(0.99)),
    ("server_cpu_share", "", lambda f: f.server_cpu_s / f.seconds),
]
_LOAD_NAMES = {"alone": "one at a time", "paced": "paced", "burst": "all at once"}


def _ratios(mine: list[float], theirs: list[float]) -> list[float]:
    """Each round's own ratio, smallest first."""
    return sorted(m / t for m, t in zip(mine, theirs, strict=True))


def _report(ours: _Runs, anchor: _Runs, same: _Runs) -> None:
    """One line a figure: inspectbot's median over the rounds, the median of the rounds' own ratios to
    the echo bot, and the ranges of both, then the same ratio to the echo bot on aiohttp; then each echo
    bot's own figures. CPU per update comes first."""
    for load in ("alone", "paced", "burst"):
        for name, unit, value in _FIGURES:
            if load == "alone" and name == "updates_per_s":
                continue  # one at a time, the rate is just one over the latency
            mine = [value(f) for f in ours.loads[load]]
            ratios = _ratios(mine, [value(f) for f in anchor.loads[load]])
            alike = _ratios(mine, [value(f) for f in same.loads[load]])
            print(
                f"chat.{load}.{name}: {statistics.median(mine):,.2f} {unit} "
                f"({statistics.median(ratios):.2f}x echo; rounds {min(mine):,.2f}-{max(mine):,.2f} {unit}, "
                f"{ratios[0]:.2f}-{ratios[-1]:.2f}x; {statistics.median(alike):.2f}x echo on aiohttp, "
                f"{alike[0]:.2f}-{alike[-1]:.2f}x)  [{_LOAD_NAMES[load]}]"
            )
    for label, runs in (("echo", anchor), ("echo_aiohttp", same)):
        for load in ("alone", "paced", "burst"):
            for name, unit, value in _FIGURES:
                if load == "alone" and name == "updates_per_s":
                    continue
                theirs = [value(f) for f in runs.loads[load]]
                print(
                    f"anchor.{label}.{load}.{name}: {statistics.median(theirs):,.2f} {unit} "
                    f"(rounds {min(theirs):,.2f}-{max(theirs):,.2f})"
                )
