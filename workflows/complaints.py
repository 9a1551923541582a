"""Formal complaints: the steps of Ofsted's complaints procedure as each seed gives them, the window the
kind allows, and the flow: the provider makes a complaint inside the window (recorded on the case, the
managers told), a manager records Ofsted's response (typed, for the provider to read); the provider may
withdraw it.

An adoption support agency may also lodge one when it receives the final report (003 L998); a complaint
made before the final report holds it up until it is answered (003 L1190), which records its day.

Outside the window the complaint is refused with why and where to go instead: during the visit, concerns
go to the inspector and then their manager; after the window, Ofsted's complaints procedure on GOV.UK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    text_field,
)
from workflows.kinds import COMPLAINT_MADE, COMPLAINT_RESPONSE, FINAL_REPORT
from workflows.rules import InspectionKind, Source

MADE = "made"
RESPONDED = "responded"
WITHDRAWN = "withdrawn"

MAKE = "make"
RESPOND = "respond"
WITHDRAW = "withdraw"

MACHINE = Machine(
    kind="complaint",
    states=(MADE, RESPONDED, WITHDRAWN),
    final=frozenset({RESPONDED, WITHDRAWN}),
    moves=(
        Move(NEW, MAKE, MADE, frozenset({Party.PROVIDER})),
        Move(MADE, RESPOND, RESPONDED, frozenset({Party.MANAGER})),
        Move(MADE, WITHDRAW, WITHDRAWN, frozenset({Party.PROVIDER})),
    ),
    decider=Party.MANAGER,
)

TEXT_LIMIT = 4000
RESPONSE_LIMIT = 4000
PROCEDURE_URL = "www.gov.uk/government/publications/complaints-about-ofsted"


@dataclass(frozen=True)
class Step:
    text: str
    source: Source


_CH = (
    Step(
        "Raise concerns with the inspector as soon as possible during the visit.",
        cite("000", "Concerns", 1256),
    ),
    Step("If that doesn't resolve it, contact the inspector's manager (RIM).", cite("000", "Concerns", 1258)),
    Step(
        "Comment on the draft report, process and findings when you receive it.",
        cite("000", "Concerns", 1260),
    ),
    Step(
        f"Then make a formal complaint under Ofsted's complaints procedure ({PROCEDURE_URL}), at any time "
        "before the final report is published and until the end of the fifth working day after you "
        "receive the final report.",
        cite("000", "Complaints", 1264, 1266),
    ),
)

STEPS: dict[str, tuple[Step, ...]] = {
    "ch-full": _CH,
    "ch-assurance": (
        *_CH[:3],
        Step(_CH[3].text, cite("000", "Complaints; assurance inspections, Timeline", 1264, 1266, 1281)),
    ),
    "asa-full": (
        Step(
            "Raise concerns with the lead inspector during the inspection.",
            cite("003", "Post-inspection and complaints procedure", 1185),
        ),
        Step(
            "If it is still unresolved, ring Ofsted during the inspection or on the working day after; a "
            "manager independent of the inspection will discuss it.",
            cite("003", "Concerns; complaints procedure", 992, 1186),
        ),
        Step(
            "Within 5 working days of Ofsted sending the draft report, raise minor points or submit a "
            "formal complaint; Ofsted responds to a complaint before the final report is sent.",
            cite("003", "Post-inspection and complaints procedure", 1188, 1190),
        ),
        Step(
            f"You may also lodge a formal complaint when you receive the final report ({PROCEDURE_URL}).",
            cite("003", "Complaints", 998),
        ),
    ),
    "covid-assurance": (
        Step(
            f"Make a formal complaint under Ofsted's complaints procedure ({PROCEDURE_URL}) within 5 working "
            "days of the final report being issued.",
            cite("002", "Timeframe; Further guidance", 93, 262),
        ),
    ),
    "la-sif": (
        Step(
            "Raise concerns with the lead inspector or the quality assurance manager during the inspection; "
            "concerns about factual accuracy go in with the quality assurance process afterwards.",
            cite("004", "Complaints", 902),
        ),
        Step(
            "If that doesn't resolve them, make a formal complaint under Ofsted's complaints procedure "
            f"({PROCEDURE_URL}).",
            cite("004", "Complaints", 903),
        ),
    ),
}


#: Kinds whose seed also lets a complaint be lodged when the final report is received, with no closing day
#: given: adoption support agencies (003 L998), besides the 5 working days after the draft (003 L1188).
ON_FINAL_REPORT: dict[str, Source] = {"asa-full": cite("003", "Complaints", 998)}


@dataclass(frozen=True)
class Window:
    """When a formal complaint may be made: from `opens` until `closes` (None: the seed sets no end),
    and again from `reopens` (the day the final report is received, where the seed allows it) on."""

    opens: date
    closes: date | None
    source: Source | None
    reopens: date | None = None
    reopen_source: Source | None = None

    def contains(self, day: date) -> bool:
        if self.reopens is not None and day >= self.reopens:
            return True
        return self.opens <= day and (self.closes is None or day <= self.closes)

    def closes_after(self, day: date) -> date | None:
        """The last day of the part of the window `day` is in (None: no closing day)."""
        if self.reopens is not None and day >= self.reopens:
            return None
        return self.closes


def _final_report_received(situation: Situation) -> date | None:
    """The day the final report was sent (recorded), else the day it is due; None while it waits,
    undated, for a complaint's answer."""
    final = situation.deadline(FINAL_REPORT)
    if final is None:
        return None
    if final.recorded is not None:
        return final.recorded
    return None if final.extended else final.last_day


def window(situation: Situation) -> Window | None:
    """The kind's complaint window on this case; None when its seed describes no complaints procedure."""
    kind = situation.kind
    if kind.id not in STEPS:
        return None
    deadline = situation.deadline("complaint_window")
    end = situation.last_day()
    if deadline is None:  # la-sif: the procedure, but no closing day
        return Window(end, None, None)
    rule = kind.milestone("complaint_window")
    assert rule is not None
    found = Window(deadline.opens or end, deadline.last_day, rule.source)
    again = ON_FINAL_REPORT.get(kind.id)
    received = None if again is None else _final_report_received(situation)
    if received is not None:
        found = Window(found.opens, found.closes, found.source, received, again)
    return found


def steps_text(kind: InspectionKind) -> tuple[str, ...]:
    """'How do I complain?': the steps, in order, for the kind (empty when its seed has none)."""
    return tuple(step.text for step in STEPS.get(kind.id, ()))


def open_window(situation: Situation) -> Window | None:
    """The window, if today is inside it; None otherwise (check_window says why)."""
    found = window(situation)
    if found is None or not found.contains(situation.today):
        return None
    return found


def check_window(situation: Situation) -> Window:
    """The window, if today is inside it; Refused with why and where to go otherwise (said to providers:
    no seed lines, workflows.audience)."""
    found = window(situation)
    today = situation.today
    if found is None:
        raise Refused(
            f"The guidance for {situation.kind.a_name} sets out no complaints procedure I can "
            "follow; "
            f"Ofsted's complaints procedure is at {PROCEDURE_URL}."
        )
    if today < found.opens:
        raise Refused(
            f"A formal complaint can be made from {format_date(found.opens)}, the end of the inspection. "
            "Until then, raise concerns with the inspector now, and with their manager if that doesn't "
            "resolve them."
        )
    if found.contains(today):
        return found
    if found.reopens is not None:  # between the draft's window and the final report
        assert found.closes is not None and found.reopen_source is not None
        raise Refused(
            f"The window for a formal complaint on the draft report closed on {format_date(found.closes)}. "
            f"You can lodge one when you receive the final report, due by {format_date(found.reopens)}, "
            f"or go to Ofsted's complaints procedure now: {PROCEDURE_URL}."
        )
    if found.closes is not None and today > found.closes:
        raise Refused(
            f"The window for a formal complaint closed on {format_date(found.closes)}. To raise it now, go "
            f"to Ofsted's complaints procedure: {PROCEDURE_URL}."
        )
    return found


def _apply(
    state: str, event: str, party: Party, data: Payload, payload: Payload, situation: Situation
) -> Outcome:
    target = MACHINE.target(state, event, party)
    if event == MAKE:
        found = check_window(situation)
        text = text_field(data, "text", limit=TEXT_LIMIT, what="what the complaint is about")
        effects: tuple[RecordDate, ...] = ()
        if situation.kind.milestone("complaint_window") is not None:
            effects = (RecordDate(COMPLAINT_MADE, situation.today, only_if_absent=True),)
        closes = found.closes_after(situation.today)
        return Outcome(
            target,
            {
                "text": text,
                "made_on": situation.today.isoformat(),
                "window_closes": None if closes is None else closes.isoformat(),
            },
            effects,
            tell=(Party.MANAGER, Party.INSPECTOR),
        )
    if event == RESPOND:
        response = text_field(data, "response", limit=RESPONSE_LIMIT, what="Ofsted's response")
        return Outcome(
            target,
            {**payload, "response": response, "responded_on": situation.today.isoformat()},
            _answered(situation),
            tell=(Party.PROVIDER,),
        )
    return Outcome(target, dict(payload), _answered(situation), tell=(Party.MANAGER,))


def _answered(situation: Situation) -> tuple[RecordDate, ...]:
    """Record the day a complaint was answered (or withdrawn) where the final report waits for that
    (003 L1190): the final report then has a day again."""
    rule = situation.kind.milestone(COMPLAINT_RESPONSE)
    if rule is None or situation.deadline(COMPLAINT_RESPONSE) is None:
        return ()
    return (RecordDate(COMPLAINT_RESPONSE, situation.today),)


FLOW = Flow(MACHINE, _apply, frozenset({"text", "response"}))
