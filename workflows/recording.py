"""What may be recorded on a case, and when: things that happened, dates that are set, and outcomes.

- Things that happened (the visit ended, the draft was sent, a complaint was made) can't be in the future.
- Dates that are set (a compliance date in a notice) usually are in the future.
- Windows and visits Ofsted plans (the complaint window, a return visit) are not something anyone "does":
  they are never recorded as done; the event inside them is (a complaint made, with its date).
- Steps in the order they can happen: what comes after the visit (every milestone counted from its end,
  directly or through another: the draft, comments, final report, publication...) and the outcome can't
  be recorded before the visit has ended, nor dated before its last on-site day (timelines.md: "End of
  the inspection = the last on-site day", 000 L1040, 003 L852).
- What is possible but odd asks for a Yes/No instead (`record_warnings`, `open_at_close`): a final
  report before the comments deadline, a case closed as completed with steps still open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from workflows.access import Role
from workflows.audience import source_for
from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.deadlines import CaseDates, Deadline, compute_timeline, on_site_days
from workflows.errors import TimelineError
from workflows.kinds import COMPLAINT_MADE
from workflows.planning import visit_length_warning
from workflows.rules import END, START, InspectionKind
from workflows.visit import ended

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


def after_visit(kind: InspectionKind) -> frozenset[str]:
    """The milestone keys that come after the visit: counted from its end, or from one that is.

    Decided from the kind's data, so a new kind or milestone needs no list kept here: the draft, the
    provider's comments, the final report and its la-sif stages, publication, the improvement plan...
    """
    keys: set[str] = set()
    for rule in kind.milestones:  # an anchor always comes before the rules counted from it
        if rule.anchor == END or rule.anchor in keys:
            keys.add(rule.key)
    return frozenset(keys)


def check_record(
    kind: InspectionKind, key: str, day: date, today: date, dates: CaseDates, calendar: WorkingCalendar
) -> Recordable:
    """Whether `key` may be recorded as on `day`; RecordRefused with the reason if not.

    A numbered key ('compliance_date_2', workflows.notices) is checked as its plain one."""
    item = recordable(kind, kind.occurrence_of(key)[0])
    if item is None:
        raise RecordRefused(_not_recordable(kind, key))
    if item.nature is Nature.HAPPENED and day > today:
        raise RecordRefused(
            f"{item.label} on {format_date(day)} is in the future. Record things once they have happened."
        )
    if key in after_visit(kind) or key == COMPLAINT_MADE:  # a complaint: from the end (complaints.window)
        last = on_site_days(kind, dates, calendar)[1]
        if not ended(kind, dates, today, calendar):
            raise RecordRefused(
                f"{item.label} comes after the visit, which hasn't ended: its last on-site day is "
                f"{format_date(last)}. Record it once the visit has ended."
            )
        if day < last:
            raise RecordRefused(
                f"{item.label} can't be on {format_date(day)}: it comes after the visit, whose last "
                f"on-site day was {format_date(last)}."
            )
    return item


def check_steps_follow_visit(
    kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar
) -> None:
    """Whether the case's days may become `dates` (a recorded end undone or cleared, the planned days moved
    later by /edit or an approved deferral) with the steps recorded after the visit still after it;
    RecordRefused with the reason if not.

    The same rule as `check_record` (the draft, comments, final report... and a complaint come after the
    visit: timelines.md "End of the inspection = the last on-site day", 000 L1040, 003 L852), checked from
    the visit's side. Refused rather than asked: the state it would leave is one recording refuses, and the
    fix is to correct the step first, so nothing is changed."""
    later = after_visit(kind) | {COMPLAINT_MADE}
    steps = sorted((day, key) for key, day in dates.records.items() if key in later)
    if not steps:
        return
    day, key = steps[0]
    item = recordable(kind, key)
    label = item.label if item is not None else key
    last = on_site_days(kind, dates, calendar)[1]
    if not ended(kind, dates, today, calendar):
        raise RecordRefused(
            f"{label} is recorded on {format_date(day)} and comes after the visit, which would then not "
            f"have ended (its last on-site day would be {format_date(last)}). Undo or correct "
            f"{label.lower()} first."
        )
    if day < last:
        raise RecordRefused(
            f"{label} is recorded on {format_date(day)} and comes after the visit, whose last on-site day "
            f"would then be {format_date(last)}. Undo or correct {label.lower()} first."
        )


def check_outcome(kind: InspectionKind, dates: CaseDates, today: date, calendar: WorkingCalendar) -> None:
    """A judgement or concerns only once the visit has ended: they are given at its feedback."""
    if not ended(kind, dates, today, calendar):
        what = "A judgement" if kind.grades else "Whether there were serious or widespread concerns"
        last = on_site_days(kind, dates, calendar)[1]
        raise RecordRefused(
            f"{what} can only be recorded once the visit has ended: its last on-site day is "
            f"{format_date(last)}."
        )


#: The final report and its la-sif stages: sent after the provider's comments are in or their time is up.
FINAL_REPORT = "final_report"
COMMENTS = "provider_comments"


def record_warnings(
    kind: InspectionKind, key: str, day: date, dates: CaseDates, calendar: WorkingCalendar
) -> list[str]:
    """What is possible but odd about recording `key` on `day`: the person confirms before it is saved.

    - A final report (or a la-sif stage of it) on or before the comments deadline, with no comments
      recorded: the provider still had time to comment (the comments rule and its source, as staff see them).
    - A recorded end that makes the visit longer than the kind allows (`planning.visit_length_warning`).
    """
    warnings: list[str] = []
    timeline = compute_timeline(kind, dates, calendar)
    comments = next((d for d in timeline if d.key == COMMENTS), None)
    rule = kind.milestone(key)
    early = comments is not None and comments.recorded is None and day <= comments.last_day
    if key.startswith(FINAL_REPORT) and rule is not None and comments is not None and early:
        warnings.append(
            f"The provider's comments on the draft are due by {format_date(comments.last_day)} and "
            f"none are recorded, so {rule.label.lower()} on {format_date(day)} is before their time "
            f"is up (comments: {comments.rule}; {source_for(Role.INSPECTOR, comments.source)})."
        )
    if key == END:
        first = on_site_days(kind, dates, calendar)[0]
        long = visit_length_warning(kind, first, day, calendar)
        if long is not None:
            warnings.append(long)
    return warnings


def open_at_close(kind: InspectionKind, dates: CaseDates, calendar: WorkingCalendar) -> list[Deadline]:
    """The steps someone still has to record (the draft, comments, publication...): closing a case as
    completed with these open is possible (recorded elsewhere) but odd, so it is confirmed first.

    Windows and Ofsted's later visits are left out: they are never recorded as done.
    """
    return [d for d in compute_timeline(kind, dates, calendar) if d.recordable and d.recorded is None]


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
