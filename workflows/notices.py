"""Several compliance notices on one case, each with its own compliance date and its own monitoring visit.

"If we have served multiple compliance notices with different completion dates, we will schedule
follow-up visits for each completion date" (000 L1399, 003 L1022). A repeating trigger (rules.Trigger with
a `numbered_label`) keeps each date under its own key: `compliance_date` for the first, then
`compliance_date_2`, `compliance_date_3`; compute_timeline gives each its visit (`compliance_visit`,
`compliance_visit_2`, ...). Recording the plain key adds a notice; recording a numbered key corrects that
notice's date; undoing one takes back that one alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from workflows.dates import format_date
from workflows.deadlines import occurrences
from workflows.recording import RecordRefused
from workflows.rules import InspectionKind, Trigger, numbered


class NoSuchNotice(RecordRefused):
    """A numbered date was named to be corrected, but no such date is recorded on the case."""


def key_for(kind: InspectionKind, key: str, day: date, records: Mapping[str, date]) -> str:
    """The key a date set on `day` is recorded under, given the case's `records`.

    Any key but a repeating trigger's comes back as it is. The plain key ('compliance_date') adds a
    date under the next number, unless one of its dates is already `day` (the same notice sent twice, or
    two notices with one date, which one visit covers): then that one, so nothing changes. A numbered
    key ('compliance_date_2'; 'compliance_date_1' for the first) corrects that date, which must exist.
    """
    base, n = kind.occurrence_of(key)
    named = n > 1
    if key.endswith("_1") and _repeating(kind, key[:-2]) is not None:
        base, n, named = key[:-2], 1, True
    trigger = _repeating(kind, base)
    if trigger is None:
        return key
    have = occurrences(kind, base, records)
    if named:
        if n not in have:
            raise NoSuchNotice(_missing(trigger, n, have, records))
        return numbered(base, n)
    same = next((numbered(base, m) for m in have if records[numbered(base, m)] == day), None)
    return same or numbered(base, max(have, default=0) + 1)


def visit_key(kind: InspectionKind, records: Mapping[str, date], day: date) -> str | None:
    """The key of the monitoring visit that checks the notice whose compliance date is `day`, if any."""
    for rule in kind.milestones:
        if not rule.numbered_label:
            continue
        for n in occurrences(kind, rule.anchor, records):
            if records[numbered(rule.anchor, n)] == day:
                return numbered(rule.key, n)
    return None


def _repeating(kind: InspectionKind, key: str) -> Trigger | None:
    return next((t for t in kind.triggers if t.key == key and t.repeats), None)


def _missing(trigger: Trigger, n: int, have: list[int], records: Mapping[str, date]) -> str:
    """Which dates there are, and how to add one or correct one."""
    asked = trigger.occurrence(n).label
    if not have:
        return (
            f"{asked} isn't recorded on this case, so there is nothing to correct. "
            f"To add it, record {trigger.key} with its date."
        )
    recorded = "; ".join(
        f"{trigger.occurrence(m).label}: {format_date(records[numbered(trigger.key, m)])} "
        f"({numbered(trigger.key, m)})"
        for m in have
    )
    return (
        f"{asked} isn't recorded on this case. Recorded: {recorded}. To add a notice, record "
        f"{trigger.key} with its date; to correct one, record the key shown in brackets with the right date."
    )
