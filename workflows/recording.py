"""What may be recorded on a case, and when: things that happened, dates that are set, and outcomes.

- Things that happened (the visit ended, the draft was sent, a complaint was made) can't be in the future.
- Dates that are set (a compliance date in a notice) usually are in the future.
- Windows and visits Ofsted plans (the complaint window, a return visit) are not something anyone "does":
  they are never recorded as done; the event inside them is (a complaint made, with its date).
- Outcomes (a judgement, serious or widespread concerns) come from the inspection, so not before its
  first on-site day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.deadlines import CaseDates, on_site_days
from workflows.errors import TimelineError
from workflows.kinds import COMPLAINT_MADE
from workflows.rules import END, START, InspectionKind

JUDGEMENT = "judgement"
CONCERNS = "concerns"


class RecordRefused(TimelineError):
    """This can't be recorded (now, or at all); the message says why and what to do instead."""


class Nature(StrEnum):
    HAPPENED = "happened"  # a day something happened: not in the future
    SET = "set"  # a date someone set (a compliance date): may be in the future
    OUTCOME = "outcome"  # a judgement or concerns: from the first on-site day


@dataclass(frozen=True)
class Recordable:
    key: str
    label: str
    nature: Nature


#: How the two on-site events and a complaint read in chat.
EVENT_LABELS: Mapping[str, str] = {
    START: "First on-site day",
    END: "Visit ended (feedback given)",
    COMPLAINT_MADE: "Formal complaint made",
}


def recordables(kind: InspectionKind) -> tuple[Recordable, ...]:
    """What can be recorded on a case of `kind`, in the order things usually happen."""
    items = [Recordable(START, EVENT_LABELS[START], Nature.HAPPENED)]
    items.append(Recordable(END, EVENT_LABELS[END], Nature.HAPPENED))
    for rule in kind.milestones:
        if rule.recordable:
            items.append(Recordable(rule.key, rule.label, Nature.HAPPENED))
        if rule.key == "complaint_window":
            items.append(Recordable(COMPLAINT_MADE, EVENT_LABELS[COMPLAINT_MADE], Nature.HAPPENED))
    items += [Recordable(t.key, t.label, Nature.SET) for t in kind.triggers]
    if kind.grades:
        items.append(Recordable(JUDGEMENT, "Judgement", Nature.OUTCOME))
    if kind.uses_concerns:
        items.append(Recordable(CONCERNS, "Serious or widespread concerns", Nature.OUTCOME))
    return tuple(items)


def recordable(kind: InspectionKind, key: str) -> Recordable | None:
    return next((item for item in recordables(kind) if item.key == key), None)


def check_record(kind: InspectionKind, key: str, day: date, today: date) -> Recordable:
    """Whether `key` may be recorded as on `day`; RecordRefused with the reason if not.

    A numbered key ('compliance_date_2', workflows.notices) is checked as its plain one."""
    item = recordable(kind, kind.occurrence_of(key)[0])
    if item is None:
        raise RecordRefused(_not_recordable(kind, key))
    if item.nature is Nature.HAPPENED and day > today:
        raise RecordRefused(
            f"{item.label} on {format_date(day)} is in the future. Record things once they have happened."
        )
    return item


def check_outcome(kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar) -> None:
    """A judgement or concerns only from the inspection's first on-site day (recorded, else planned)."""
    start, _ = on_site_days(kind, dates, calendar)
    if today < start:
        what = "A judgement" if kind.grades else "Whether there were serious or widespread concerns"
        raise RecordRefused(
            f"{what} can only be recorded once the inspection has started: its first on-site day is "
            f"{format_date(start)}."
        )


def _not_recordable(kind: InspectionKind, key: str) -> str:
    rule = kind.milestone(key)
    if rule is not None and key == "complaint_window":
        return (
            f"{rule.label} is a window, not something anyone does: it stays open until its last day. "
            "To record a complaint that was made, record 'complaint' with its date."
        )
    if rule is not None:
        return (
            f"{rule.label} is planned by Ofsted, not something recorded as done here: it shows until "
            "its window ends."
        )
    known = ", ".join(item.key for item in recordables(kind))
    return f"'{key[:40]}' isn't something I can record for {kind.a_name}. You can record: {known}."
