"""Whole ch-full timelines a second through compute_timeline, against numpy.busday_offset two ways.

Both anchors do the same working-day arithmetic for the same start dates with the same bank holidays
(the on-site span, then each milestone from its anchor), nothing else:

- the vectorised anchor (the headline ratio, issue 23): one `busday_offset` call per step over all the
  dates at once, as numpy is meant to be used: bare date arithmetic in C;
- the loop anchor: one `busday_offset` call per date per step in a Python loop (kept beside it: it
  shows what a Python loop around the same C call costs).

Each ratio says how close the whole timeline (rules, chaining, Deadline objects) comes to that. Before
the figures, the benchmark checks that all three give the same dates, so the anchors are the same work.
Each figure is the median of --repeat runs, with the slowest and fastest beside it (a range, not a best:
the machine is shared).

    python -m bench engine [--dates N] [--repeat R] [--kind ch-full]
"""

from __future__ import annotations

import argparse
import random
import statistics
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


def _rates(work: Callable[[], object], count: int, repeat: int) -> list[float]:
    """Items a second in each of `repeat` runs, sorted (slowest first)."""
    rates = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        rates.append(count / (time.perf_counter() - began))
    return sorted(rates)


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
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; the median counts")
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

    start_array = np.array(starts, dtype="datetime64[D]")

    def vectorised() -> dict[str, Any]:
        # The same steps, each one call over every date.
        known = {START: start_array, END: offset(start_array, span, roll="backward", busdaycal=busdays)}
        for key, after, n in steps:
            known[key] = offset(known[after], n, roll="backward", busdaycal=busdays)
        return known

    # The same work: every date the anchor computes, compute_timeline computes too (and this loads
    # every year's bank holidays before the timing starts).
    for day, timeline, known in zip(starts[:500], timelines()[:500], anchor()[:500], strict=True):
        ours = {d.key: d.due for d in timeline}
        for key, _after, _n in steps:
            if ours[key] != known[key].astype(date):
                print(f"engine: {key} from {day}: {ours[key]} here, {known[key]} from numpy", file=sys.stderr)
                return 1
    at_once = vectorised()
    for i, known in enumerate(anchor()):
        for key in (END, *(key for key, _after, _n in steps)):
            if at_once[key][i] != known[key]:
                print(
                    f"engine: {key} from {starts[i]}: {at_once[key][i]} at once, {known[key]} in a loop",
                    file=sys.stderr,
                )
                return 1

    vector_rates = _rates(vectorised, len(starts), options.repeat)
    anchor_rates = _rates(anchor, len(starts), options.repeat)
    timeline_rates = _rates(timelines, len(starts), options.repeat)
    chains = [(END, START, span), *steps]

    def calendar_only() -> None:
        for day in starts:
            known = {START: day}
            for key, after, n in chains:
                known[key] = calendar.add_working_days(known[after], n) if n else known[after]

    calendar_rates = _rates(calendar_only, len(starts), options.repeat)
    vector_rate = statistics.median(vector_rates)
    loop_rate = statistics.median(anchor_rates)
    for name, rates in (
        (f"engine.timelines_per_s[{kind.id}]", timeline_rates),
        (f"engine.calendar_chains_per_s[{kind.id}]", calendar_rates),
        ("anchor.numpy_busday_offset_vectorised_chains_per_s", vector_rates),
        ("anchor.numpy_busday_offset_loop_chains_per_s", anchor_rates),
    ):
        rate = statistics.median(rates)
        print(
            f"{name}: {rate:,.0f} ({rate / vector_rate:.3f}x vectorised, {rate / loop_rate:.2f}x loop; "
            f"runs {rates[0]:,.0f}-{rates[-1]:,.0f})"
        )
    return 0
