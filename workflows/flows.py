"""The machinery every inspection workflow shares: states, events, who may send which, and what follows.

A workflow (notification, deferral, comments, complaint, survey, case review) is a small state machine:
a table of moves (state --event--> state, and which parties may send the event) plus a pure function
that checks the event against the case (the visit has started, the window has closed) and returns what
the transition changes, as data: the request's new payload, the changes to the case (`SetPlanned`,
`RecordDate`), warnings, and which parties to tell. The store applies the changes in the transition's
transaction; the chat and the outbox say them. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from workflows.access import Role, Scope, Subject, can_view, is_operator
from workflows.calendar import WorkingCalendar
from workflows.deadlines import CaseDates, Deadline, compute_timeline, on_site_days
from workflows.errors import TimelineError
from workflows.kinds import ASA_DOC, CH_DOC, CONSULTATION_DOC, COVID_DOC, SIF_DOC
from workflows.rules import InspectionKind, Source

#: The state of a request before it exists: the first move of every machine starts here.
NEW = "new"

#: A JSON-ready payload: str, int, bool, None, lists and dicts of those; dates as ISO text.
Payload = Mapping[str, Any]


_DOCUMENTS = {"000": CH_DOC, "001": CONSULTATION_DOC, "002": COVID_DOC, "003": ASA_DOC, "004": SIF_DOC}


def cite(seed: str, section: str, *lines: int | tuple[int, int]) -> Source:
    """A seed citation like the rules in workflows.kinds: seed, 1-based lines, (first, last) for a run."""
    numbers: list[int] = []
    for part in lines:
        numbers.extend(range(part[0], part[1] + 1) if isinstance(part, tuple) else (part,))
    return Source(seed, tuple(numbers), _DOCUMENTS[seed], section)


class Party(StrEnum):
    """Who sends an event, relative to the case: not a role alone, but a role on this case."""

    PROVIDER = "provider"  # a provider of the case's setting
    INSPECTOR = "inspector"  # an inspector on the case
    MANAGER = "manager"  # any manager (and the operator's command line)
    SYSTEM = "system"  # the bot itself: a prompt that follows from something recorded


class Refused(TimelineError):
    """This event can't be sent now (or by this person); the message says why and what to do instead."""


class NotYours(Refused):
    """The event exists in this state, but it is for someone else to send (a button meant for another)."""


def party_of(subject: Subject, scope: Scope) -> Party | None:
    """The part `subject` plays on the case, or None if they have none (they may not even see it)."""
    if is_operator(subject):
        return Party.MANAGER
    if not can_view(subject, scope):
        return None
    if subject.role is Role.MANAGER:
        return Party.MANAGER
    if subject.role is Role.INSPECTOR and subject.person_id is not None:
        return Party.INSPECTOR if scope.members.get(subject.person_id) is Role.INSPECTOR else None
    if subject.role is Role.PROVIDER:
        return Party.PROVIDER
    return None


@dataclass(frozen=True)
class Move:
    """One row of a machine's table: `source` --`event`--> `target`, sent by one of `by`."""

    source: str
    event: str
    target: str
    by: frozenset[Party]


@dataclass(frozen=True)
class Machine:
    """A workflow's table of moves; `final` states take no more events."""

    kind: str
    states: tuple[str, ...]
    final: frozenset[str]
    moves: tuple[Move, ...]
    #: Who decides a request of this kind (shown in the store's `decider` column); None: nobody decides.
    decider: Party | None

    def __post_init__(self) -> None:
        known = {NEW, *self.states}
        seen: set[tuple[str, str]] = set()
        for move in self.moves:
            if move.source not in known or move.target not in self.states:
                raise ValueError(f"{self.kind}: {move.source} -> {move.target} names an unknown state")
            if move.source in self.final:
                raise ValueError(f"{self.kind}: final state {move.source} has a move")
            if (move.source, move.event) in seen:
                raise ValueError(f"{self.kind}: {move.event} is defined twice in {move.source}")
            seen.add((move.source, move.event))
        if not self.final <= set(self.states):
            raise ValueError(f"{self.kind}: a final state is not one of its states")

    def move(self, state: str, event: str) -> Move | None:
        return next((m for m in self.moves if m.source == state and m.event == event), None)

    def events(self, state: str, party: Party) -> tuple[str, ...]:
        """What `party` may send in `state`, in table order: the buttons to offer them."""
        return tuple(m.event for m in self.moves if m.source == state and party in m.by)

    def target(self, state: str, event: str, party: Party) -> str:
        """The state `event` leads to; `Refused` when it can't be sent in `state` or not by `party`."""
        if state not in (NEW, *self.states):
            raise Refused(f"This request is in a state I don't know ({state[:40]}).")
        if state in self.final:
            raise Refused(f"This request is already {state.replace('_', ' ')}.")
        found = self.move(state, event)
        if found is None:
            raise Refused(f"That can't be done while the request is {state.replace('_', ' ')}.")
        if party not in found.by:
            raise NotYours(f"That is for the {_who(found.by)} to do.")
        return found.target


def _who(parties: frozenset[Party]) -> str:
    names = [p.value for p in Party if p in parties and p is not Party.SYSTEM] or ["bot"]
    return " or ".join(names)


@dataclass(frozen=True)
class SetPlanned:
    """The case's planned on-site days change (an approved deferral): every date counted from them moves."""

    start: date
    end: date | None


@dataclass(frozen=True)
class RecordDate:
    """A date is recorded on the case (the notification call, a complaint made, a compliance date)."""

    key: str
    day: date
    #: Keep a date already recorded (a second set of comments does not move the first one's date).
    only_if_absent: bool = False


@dataclass(frozen=True)
class ClearRecord:
    """A recorded date is forgotten: an approved deferral abandons a visit that had started, so its
    recorded start and end (and a COVID-19 visit's call) no longer say when the visit happens."""

    key: str


Effect = SetPlanned | RecordDate | ClearRecord


@dataclass(frozen=True)
class Situation:
    """The case as a workflow sees it: its kind, dates and outcome, and today (England)."""

    kind: InspectionKind
    dates: CaseDates
    today: date
    calendar: WorkingCalendar

    def timeline(self) -> list[Deadline]:
        return compute_timeline(self.kind, self.dates, self.calendar)

    def deadline(self, key: str) -> Deadline | None:
        return next((d for d in self.timeline() if d.key == key), None)

    def first_day(self) -> date:
        """The first on-site day: recorded, else planned."""
        return on_site_days(self.kind, self.dates, self.calendar)[0]

    def last_day(self) -> date:
        """The last on-site day (the end of the inspection): recorded, else planned."""
        return on_site_days(self.kind, self.dates, self.calendar)[1]


@dataclass(frozen=True)
class Outcome:
    """What one transition does: the request's new state and payload, the case's changes, whom to tell."""

    state: str
    payload: Payload
    effects: tuple[Effect, ...] = ()
    #: Warnings for the sender (notice shorter than the kind requires); the transition still happens.
    warnings: tuple[str, ...] = ()
    #: Who should hear of it (besides the sender): the chat turns these into outbox messages.
    tell: tuple[Party, ...] = ()


#: A workflow's check-and-effects function: (state, event, party, data, payload, situation) -> Outcome.
Apply = Callable[[str, str, Party, Payload, Payload, Situation], Outcome]


@dataclass(frozen=True)
class Flow:
    """A workflow: its table, its checks and effects, and the payload keys that hold free text."""

    machine: Machine
    apply: Apply
    #: Payload keys holding what people typed (and file names): retention sets them to None.
    free_text: frozenset[str] = field(default_factory=frozenset)

    @property
    def kind(self) -> str:
        return self.machine.kind


def purge_payload(payload: Payload, free_text: frozenset[str]) -> dict[str, Any]:
    """The payload with its free text gone (None), everything else (dates, ratings, flags) kept.

    Free text may sit one level down (a document's name, a survey's written answers): each nested dict
    is purged by the same keys.
    """
    result: dict[str, Any] = {}
    for key, value in payload.items():
        if key in free_text and value is not None:
            result[key] = None
        elif isinstance(value, Mapping):
            result[key] = purge_payload(value, free_text)
        elif isinstance(value, list):
            result[key] = [purge_payload(v, free_text) if isinstance(v, Mapping) else v for v in value]
        else:
            result[key] = value
    return result


def text_field(data: Payload, key: str, *, limit: int, what: str) -> str:
    """A required piece of typed text, trimmed; Refused when missing, empty or too long."""
    value = data.get(key)
    cleaned = " ".join(value.split()) if isinstance(value, str) else ""
    if not cleaned:
        raise Refused(f"Say {what} in a few words.")
    if len(cleaned) > limit:
        raise Refused(f"Keep {what} under {limit} characters.")
    return cleaned


def date_field(data: Payload, key: str, *, what: str) -> date:
    """A required date given as a `date` or ISO text; Refused when missing or unreadable."""
    value = data.get(key)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Refused(f"Give {what}.")
