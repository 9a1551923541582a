"""What a person can do now on one case, each with its last day: the "What you can do now" of /help.

Every item comes from a workflow's own rule (the deferral cut-off, the comments deadline, the complaint
window, the notice a kind requires, the timeline's deadlines) and from the requests waiting on the case
(the events the person's party may send in each one's state), so /help never promises what the chat
would then refuse. Pure: the store reads the case and its requests, the chat words the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from workflows import case_review, comments, complaints, deferral, notification, recording, survey
from workflows.access import Role
from workflows.flows import Party, Situation
from workflows.reminders import REMINDED_ACTORS
from workflows.rules import Actor

#: The part a person plays on every case they may see, by role: what `flows.party_of` gives for a case
#: they can see (an inspector sees only the cases they are on, as inspector), for reading across cases.
PARTY_BY_ROLE: dict[Role, Party] = {
    Role.MANAGER: Party.MANAGER,
    Role.INSPECTOR: Party.INSPECTOR,
    Role.PROVIDER: Party.PROVIDER,
}


@dataclass(frozen=True)
class Waiting:
    """A request on the case and the events the person's party may send to it now (its machine's)."""

    kind: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """Something the person can do now: `what` in a few words, the command that does it (or None),
    its last day (None: no end), and whether it is already late (accepted, but marked late)."""

    key: str
    what: str
    command: str | None
    last_day: date | None
    late: bool = False


#: What each waiting event asks of the person, by (request kind, event); events not listed (withdrawing
#: one's own request) are not chores and are left out.
_WAITING: dict[tuple[str, str], tuple[str, str]] = {
    (deferral.MACHINE.kind, deferral.APPROVE): ("decide_deferral", "decide the request to defer"),
    (complaints.MACHINE.kind, complaints.RESPOND): (
        "respond_complaint",
        "record Ofsted's response to the formal complaint",
    ),
    (notification.MACHINE.kind, notification.ACKNOWLEDGE): (
        "acknowledge",
        "acknowledge the notification of the inspection",
    ),
    (comments.MACHINE.kind, comments.SEE): ("see_comments", "read the provider's comments on the draft"),
    (survey.MACHINE.kind, survey.ANSWER): ("survey", "answer the post-inspection survey"),
    (survey.MACHINE.kind, survey.FINISH): ("survey", "answer the post-inspection survey"),
    (case_review.MACHINE.kind, case_review.DEBRIEF): ("review_debrief", "give the case review's debrief"),
    (case_review.MACHINE.kind, case_review.DECIDE): ("review_decide", "decide after the case review"),
}


def available(situation: Situation, party: Party, ref: int, waiting: Sequence[Waiting] = ()) -> list[Action]:
    """The actions `party` can take on case `ref` today, soonest last day first (open-ended ones last)."""
    found: list[Action] = []
    if party is Party.PROVIDER:
        found += _provider(situation, ref, waiting)
    elif party is Party.INSPECTOR:
        found += _inspector(situation, ref, waiting)
    elif party is Party.MANAGER:
        found += _manager(situation, ref, waiting)
    found += _answers(waiting, ref, {a.key for a in found})
    return sorted(found, key=lambda a: (a.last_day is None, a.last_day or date.max))


def _provider(situation: Situation, ref: int, waiting: Sequence[Waiting]) -> list[Action]:
    found: list[Action] = []
    asked = any(w.kind == deferral.MACHINE.kind and deferral.WITHDRAW in w.events for w in waiting)
    until = deferral.last_day_to_ask(situation)
    if until is not None and not asked:
        found.append(Action("defer", "ask to defer the inspection", f"/defer {ref}", until))
    draft, due = situation.deadline(comments.DRAFT), situation.deadline(comments.COMMENTS)
    if draft is not None and due is not None and draft.recorded is not None:
        late = situation.today > due.last_day
        found.append(Action("comment", "comment on the draft report", f"/comments {ref}", due.last_day, late))
    window = complaints.open_window(situation)
    if window is not None:
        closes = window.closes_after(situation.today)
        found.append(Action("complain", "make a formal complaint", f"/complain {ref}", closes))
    return found


def _inspector(situation: Situation, ref: int, waiting: Sequence[Waiting]) -> list[Action]:
    found: list[Action] = []
    today = situation.today
    notice = notification.NOTICES.get(situation.kind.id)
    told = any(w.kind == notification.MACHINE.kind for w in waiting) or (
        notice is not None and notice.milestone in situation.dates.records
    )
    if notice is not None and not told and notification.refusal(situation) is None:
        required = notice.required(situation.dates.single_individual)
        by = situation.calendar.add_working_days(situation.first_day(), -required)
        found.append(Action("notify", "notify the provider", f"/notify {ref}", by, today > by))
    # The next thing the inspector records: their own steps and Ofsted's reports, which they chase (the
    # notice is recorded by notifying, above), if /record would take it today.
    chased = REMINDED_ACTORS[Role.INSPECTOR]
    skip = "" if notice is None else notice.milestone
    step = next(
        (
            d
            for d in situation.timeline()
            if d.open_on(today)
            and d.recordable
            and d.actor in chased
            and d.key != skip
            and _recordable_today(situation, d.key)
        ),
        None,
    )
    if step is not None:
        late = today > step.last_day
        found.append(Action("record", f"record: {step.label.lower()}", f"/record {ref}", step.last_day, late))
    return found


def _recordable_today(situation: Situation, key: str) -> bool:
    """Whether /record would take `key` today (`recording.check_record`): a report step is not offered
    before the visit has ended, since recording it then is refused (steps in the order they happen)."""
    try:
        recording.check_record(
            situation.kind, key, situation.today, situation.today, situation.dates, situation.calendar
        )
    except recording.RecordRefused:
        return False
    return True


def _manager(situation: Situation, ref: int, waiting: Sequence[Waiting]) -> list[Action]:
    found: list[Action] = []
    today = situation.today
    for w in waiting:
        if w.kind == deferral.MACHINE.kind and deferral.APPROVE in w.events:
            # Approving is refused once the visit has started: the decision's last day is the request's.
            until = deferral.last_day_to_ask(situation)
            if until is not None:
                found.append(Action("decide_deferral", "decide the request to defer", None, until))
    for d in situation.timeline():
        if d.open_on(today) and d.actor is Actor.MANAGER:
            late = today > d.last_day
            found.append(Action(f"due:{d.key}", d.label.lower(), None, d.last_day, late))
    return found


#: The command that carries on a waiting request, where there is one (the others are buttons).
_COMMANDS = {"survey": "/survey", "review_debrief": "/review", "review_decide": "/review"}


def _answers(waiting: Sequence[Waiting], ref: int, have: set[str]) -> list[Action]:
    """The requests waiting for this person that no rule above dates: each once, with no last day."""
    found: list[Action] = []
    for w in waiting:
        for event in w.events:
            known = _WAITING.get((w.kind, event))
            if known is not None and known[0] not in have:
                have.add(known[0])
                command = _COMMANDS.get(known[0])
                found.append(
                    Action(known[0], known[1], None if command is None else f"{command} {ref}", None)
                )
    return found
