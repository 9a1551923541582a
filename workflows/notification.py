"""Notification: the inspector records that the provider was told; the provider acknowledges.

For announced kinds the notice the kind requires is checked (a warning when shorter: the notification
still counts, it happened), the day is recorded as the kind's notification milestone (so what counts
from it, such as Annex A, is dated from the real call), and the provider is told what to prepare.
Unannounced kinds have no notice: the provider learns of the inspection when inspectors arrive, so there
is nothing to notify (`refusal`). Nor once the visit has started: the provider knows by then, and a
message saying "the first on-site day is ..." would be wrong (the day is recorded with /record instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.calendar import WorkingCalendar
from workflows.dates import format_date
from workflows.flows import (
    NEW,
    Flow,
    Machine,
    Move,
    Outcome,
    Party,
    Payload,
    RecordDate,
    Refused,
    Situation,
    cite,
    date_field,
)
from workflows.rules import InspectionKind, Source
from workflows.visit import ANNOUNCED_BY_CALL, UNANNOUNCED_KINDS, begins

NOTIFIED = "notified"
ACKNOWLEDGED = "acknowledged"
WITHDRAWN = "withdrawn"

NOTIFY = "notify"
ACKNOWLEDGE = "acknowledge"
WITHDRAW = "withdraw"

_STAFF = frozenset({Party.INSPECTOR, Party.MANAGER})

MACHINE = Machine(
    kind="notification",
    states=(NOTIFIED, ACKNOWLEDGED, WITHDRAWN),
    final=frozenset({ACKNOWLEDGED, WITHDRAWN}),
    moves=(
        Move(NEW, NOTIFY, NOTIFIED, _STAFF),
        Move(NOTIFIED, ACKNOWLEDGE, ACKNOWLEDGED, frozenset({Party.PROVIDER})),
        Move(NOTIFIED, WITHDRAW, WITHDRAWN, _STAFF),  # recorded on the wrong case, or by mistake
    ),
    decider=None,
)


@dataclass(frozen=True)
class Notice:
    """The notice an announced kind requires: `working_days` before the first on-site day."""

    working_days: int
    milestone: str  # the kind's milestone the notification is recorded as
    source: Source
    note: str = ""
    #: The notice when the provider is a single individual, if the kind says (003 L433, L501).
    single_individual_days: int | None = None

    def required(self, single_individual: bool) -> int:
        """The working days' notice this case needs."""
        if single_individual and self.single_individual_days is not None:
            return self.single_individual_days
        return self.working_days


#: Announced kinds. The others (children's homes, the 2014 proposals) are unannounced (000 L534, 001 L56).
NOTICES: dict[str, Notice] = {
    "asa-full": Notice(
        10,
        "notice",
        cite("003", "Notice of inspection", 431, 433, 501),
        "20 working days when the agency is a single individual (003 L433).",
        single_individual_days=20,
    ),
    "la-sif": Notice(1, "notification", cite("004", "Day one: notifying the local authority", 385)),
    "covid-assurance": Notice(1, "notification", cite("002", "The start of the visit", 155, 156)),
}


@dataclass(frozen=True)
class Preparation:
    """Something the provider must get ready, with the deadline (milestone key) it has, if any."""

    label: str
    milestone: str | None
    source: Source


#: What the provider prepares once notified, by kind.
PREPARATION: dict[str, tuple[Preparation, ...]] = {
    "la-sif": (
        Preparation(
            "The Annex A information (the lead inspector emails the list after the call)",
            "annex_a",
            cite("004", "Day one: notifying the local authority", 386, 391),
        ),
        Preparation(
            "Child-level data, lists 1 and 3 to 7, and reports on missing children (when inspectors arrive)",
            "child_data_on_arrival",
            cite("004", "Timeframe", 69, 70),
        ),
    ),
    "covid-assurance": (
        Preparation(
            "The completed Annex A form (2pm on the day of the call)",
            "annex_a_form",
            cite("002", "The start of the visit", 172, 173),
        ),
    ),
    "asa-full": (
        Preparation(
            "The pre-inspection information form and the case list form (agree with the inspector when)",
            None,
            cite("003", "Notice of inspection", 441, 443, 444, 446),
        ),
    ),
}


#: Why an unannounced kind has no notification, with its seed (000 L534; 001 L56).
WITHOUT_NOTICE: dict[str, str] = {
    "ch-full": "Children's homes are inspected without notice (000 L534)",
    "ch-assurance": "Children's homes are inspected without notice (000 L534)",
    "ch-interim-2014": "Children's homes are inspected without notice (000 L534; 001 L56)",
}


def begun(situation: Situation) -> date | None:
    """The day the visit began, if it has by today, for notifying; None before.

    `visit.started`, except for a kind announced by its call (COVID-19): the call is this notification,
    so its own day is not too late; its on-site day is.
    """
    kind = situation.kind
    if kind.id in ANNOUNCED_BY_CALL:
        first = situation.first_day()  # the recorded start, else the planned on-site day
    else:
        first = begins(kind, situation.dates, situation.calendar)
    return first if first <= situation.today else None


def refusal(situation: Situation) -> str | None:
    """Why the provider can't be notified now (one sentence for the inspector), or None when they can."""
    kind = situation.kind
    notice = NOTICES.get(kind.id)
    if notice is None or kind.id in UNANNOUNCED_KINDS:
        why = WITHOUT_NOTICE.get(kind.id, f"{kind.name} has no notice of inspection")
        return f"{why}: there is nothing to notify."
    began = begun(situation)
    if began is not None:
        return (
            f"The visit started on {format_date(began)}, so the provider already knows of it: there is "
            f"nothing to notify. To record the day they were told, send /record with "
            f"'{notice.milestone}' and the date."
        )
    return None


def notice_warning(
    kind: InspectionKind,
    notified: date,
    first_day: date,
    calendar: WorkingCalendar,
    single_individual: bool = False,
) -> str | None:
    """A warning when the notice given is shorter than the case requires; None when it is enough."""
    notice = NOTICES.get(kind.id)
    if notice is None:
        return None
    needed = notice.required(single_individual)
    given = calendar.working_days_between(notified, first_day)
    if given >= needed:
        return None
    required = f"{needed} working day{'s' if needed != 1 else ''}"
    days = "1 working day's" if given == 1 else f"{max(given, 0)} working days'"
    if single_individual and notice.single_individual_days is not None:
        return (
            f"That is {days} notice before {format_date(first_day)}; {kind.a_name} run by a single "
            f"individual needs {required} ({notice.source.citation})."
        )
    return (
        f"That is {days} notice before {format_date(first_day)}; "
        f"{kind.a_name} needs {required} ({notice.source.citation}). {notice.note}".strip()
    )


def _apply(
    state: str, event: str, party: Party, data: Payload, payload: Payload, situation: Situation
) -> Outcome:
    target = MACHINE.target(state, event, party)
    if event == NOTIFY:
        refused = refusal(situation)
        if refused is not None:
            raise Refused(refused)
        day = date_field(data, "day", what="the day the provider was told")
        if day > situation.today:
            raise Refused(f"{format_date(day)} is in the future. Record the notification once it is made.")
        kind = situation.kind
        notice = NOTICES.get(kind.id)
        warning = notice_warning(
            kind, day, situation.first_day(), situation.calendar, situation.dates.single_individual
        )
        effects = () if notice is None else (RecordDate(notice.milestone, day),)
        return Outcome(
            target,
            {"day": day.isoformat(), "announced": notice is not None, "short_notice": warning is not None},
            effects,
            warnings=() if warning is None else (warning,),
            tell=(Party.PROVIDER,),
        )
    if event == ACKNOWLEDGE:
        return Outcome(
            target, {**payload, "acknowledged_on": situation.today.isoformat()}, tell=(Party.INSPECTOR,)
        )
    return Outcome(target, dict(payload), tell=(Party.PROVIDER,))


FLOW = Flow(MACHINE, _apply)
