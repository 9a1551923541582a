"""Questions with a date in them: "if the draft comes on 24/12/2026, when are my comments due?".

The date is never ignored: either the question is a "what if" (the event it names is supposed to happen on
that date and the timeline is recomputed from it, said as such), or the answer says plainly that it comes
from the recorded dates and how to ask "what if".
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date

from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline, compute_timeline
from workflows.questions import parse_question
from workflows.rules import END, START, InspectionKind

_IF = re.compile(r"\b(?:if|suppose|supposing|assuming)\b")
_ENDS = re.compile(r"\b(?:ends?|ended|finish(?:es|ed)?|feedback|last day)\b")
_STARTS = re.compile(r"\b(?:starts?|started|begins?|began|first day)\b")


@dataclass(frozen=True)
class DatedQuestion:
    """A question with a date: `condition` is the 'if ...' clause holding it (None when there is none)."""

    day: date
    condition: str | None
    asked: str  # the question without the condition


def split(text: str, day: date, start: int, end: int) -> DatedQuestion:
    """Split around the date found at text[start:end]: the 'if' clause before it is the condition."""
    lowered = text.lower()
    ifs = list(_IF.finditer(lowered, 0, start))
    if not ifs:
        return DatedQuestion(day, None, text[:start] + text[end:])
    begin = ifs[-1].start()
    return DatedQuestion(day, lowered[begin:end], text[:begin] + " " + text[end:])


def supposed_event(condition: str, kind: InspectionKind, recordable: Collection[str]) -> str | None:
    """Which event the condition supposes: the visit ending or starting, or a milestone of the kind."""
    if _ENDS.search(condition):
        return END
    if _STARTS.search(condition):
        return START
    reading = parse_question(condition, recordable)
    return reading.best if reading.confident else None


def recompute(
    kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar, event: str, day: date
) -> list[Deadline]:
    """The timeline as if `event` happened on `day` (TimelineError if it can't have)."""
    return compute_timeline(kind, replace(dates, records={**dates.records, event: day}), calendar)
