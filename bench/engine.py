"""Whole ch-full timelines a second through compute_timeline, against a numpy.busday_offset loop.

The anchor does the same working-day arithmetic for the same start dates with the same bank holidays:
one `busday_offset` call per working-day step of the kind (the on-site span, then each milestone from
its anchor), nothing else. The ratio says how close the whole timeline (rules, chaining, Deadline
objects) comes to bare date arithmetic in C. Before the figures, the benchmark checks that both give
the same dates, so the anchor is the same work.

    python -m bench engine [--dates N] [--repeat R] [--kind ch-full]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline, compute_timeline
from workflows.kinds import KINDS
from workflows.rules import END, START, Condition, InspectionKind, Unit

_FIRST_START = date(2020, 1, 1)
_YEARS = 12  # start dates spread over 2020-2031, weekends and bank holidays included


def _best_rate(work: Callable[[], object], count: int, repeat: int) -> float:
    """Items a second over the fastest of `repeat` runs: the least disturbed by other work on the machine."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return count / best


def _steps(kind: InspectionKind) -> list[tuple[str, str, int]]:
    """(key, anchor, working days) for each milestone compute_timeline dates in working days by default."""
    return [
        (rule.key, rule.anchor, rule.offset)
        for rule in kind.milestones
        if rule.unit is Unit.WORKING_DAYS and rule.condition is Condition.ALWAYS and rule.offset != 0
    ]


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench engine", description=__doc__)
    parser.add_argument("--dates", type=int, default=20_000, help="start dates (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; the fastest counts")
    parser.add_argument("--kind", default="ch-full", choices=sorted(KINDS))
    options = parser.parse_args(args)
    try:
        import numpy as np
    except ImportError:
        print("engine: numpy is missing (pip install -e '.[bench]'), so there is no anchor", file=sys.stderr)
        return 2

    kind = KINDS[options.kind]
    rng = random.Random(8)
    starts = [_FIRST_START + timedelta(days=rng.randrange(_YEARS * 366)) for _ in range(options.dates)]
    calendar = WorkingCalendar()
    bank_holidays = sorted(d for y in range(2019, 2020 + _YEARS + 2) for d in calendar.bank_holidays(y))
    busdays = np.busdaycalendar(weekmask="1111100", holidays=np.array(bank_holidays, dtype="datetime64[D]"))
    span, steps = kind.onsite_days - 1, _steps(kind)
    offset: Callable[..., Any] = np.busday_offset

    def timelines() -> list[list[Deadline]]:
        return [compute_timeline(kind, CaseDates(start=day, end=None), calendar) for day in starts]

    def anchor() -> list[dict[str, Any]]:
        # "day 0 is the anchor even when it is not a working day": roll back, then count forward.
        out = []
        for day in starts:
            start = np.datetime64(day, "D")
            known = {START: start, END: offset(start, span, roll="backward", busdaycal=busdays)}
            for key, after, n in steps:
                known[key] = offset(known[after], n, roll="backward", busdaycal=busdays)
            out.append(known)
        return out

    # The same work: every date the anchor computes, compute_timeline computes too (and this loads
    # every year's bank holidays before the timing starts).
    for day, timeline, known in zip(starts[:500], timelines()[:500], anchor()[:500], strict=True):
        ours = {d.key: d.due for d in timeline}
        for key, _after, _n in steps:
            if ours[key] != known[key].astype(date):
                print(f"engine: {key} from {day}: {ours[key]} here, {known[key]} from numpy", file=sys.stderr)
                return 1

    anchor_rate = _best_rate(anchor, len(starts), options.repeat)
    timeline_rate = _best_rate(timelines, len(starts), options.repeat)
    chains = [(END, START, span), *steps]

    def calendar_only() -> None:
        for day in starts:
            known = {START: day}
            for key, after, n in chains:
                known[key] = calendar.add_working_days(known[after], n) if n else known[after]

    calendar_rate = _best_rate(calendar_only, len(starts), options.repeat)
    for name, rate in (
        (f"engine.timelines_per_s[{kind.id}]", timeline_rate),
        (f"engine.calendar_chains_per_s[{kind.id}]", calendar_rate),
        ("anchor.numpy_busday_offset_chains_per_s", anchor_rate),
    ):
        print(f"{name}: {rate:,.0f} ({rate / anchor_rate:.2f}x)")
    return 0
