"""The case review after an inadequate judgement or serious or widespread concerns: opened at once for the
case's managers (by the bot when the outcome is recorded, or by a manager on any case), the inspector and
manager's debrief with its recommendation first, then the manager's decision. A compliance notice comes
with its compliance date, recorded on the case, which brings the monitoring-visit deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    text_field,
)
from workflows.kinds import COMPLIANCE_DATE
from workflows.rules import InspectionKind, Source

OPEN = "open"
DEBRIEFED = "debriefed"
DECIDED = "decided"

START = "start"
DEBRIEF = "debrief"
DECIDE = "decide"

MACHINE = Machine(
    kind="case_review",
    states=(OPEN, DEBRIEFED, DECIDED),
    final=frozenset({DECIDED}),
    moves=(
        Move(NEW, START, OPEN, frozenset({Party.SYSTEM, Party.MANAGER})),
        Move(OPEN, DEBRIEF, DEBRIEFED, frozenset({Party.INSPECTOR, Party.MANAGER})),
        Move(DEBRIEFED, DECIDE, DECIDED, frozenset({Party.MANAGER})),
    ),
    decider=Party.MANAGER,
)

TEXT_LIMIT = 2000
INADEQUATE = "inadequate"
CONCERNS = "concerns"
MANUAL = "manual"


@dataclass(frozen=True)
class Item:
    text: str
    source: Source


_CH = (
    Item(
        "Debrief between the inspector and their manager first, as soon as possible: the inspection and the "
        "quality of its evidence.",
        cite("000", "Post-inspection debrief and case reviews", 1117, 1121),
    ),
    Item(
        "The debrief's recommendation for further action: the scheduling of future inspections and/or "
        "compliance action (see the social care enforcement policy).",
        cite("000", "Post-inspection debrief and case reviews", 1121),
    ),
    Item(
        "The case review, within 5 working days of the inspection: the manager decides what action to take.",
        cite("000", "Post-inspection debrief and case reviews", 1117, 1123),
    ),
    Item(
        "Return within 6 to 8 weeks to check children are safe (sooner if the concerns are serious).",
        cite("000", "Subsequent inspection activity", 1127),
    ),
    Item(
        "Placing authorities and the home's local authority alerted; after the review, the region "
        "emails their directors of children's services, follows up by phone, and the email is "
        "forwarded to the home.",
        cite("000", "Feedback to local authorities", 1156, 1158, 1160),
    ),
)
_ASSURANCE = (
    _CH[0],
    _CH[1],
    Item(
        "The case review, within 5 working days of the visit: the manager decides what action to take.",
        cite("000", "Serious and widespread concerns: next steps", 1340, 1350),
    ),
    Item(
        "The inspector's email to the directors of children's services by the end of the next working day, "
        "followed by a call, forwarded to the provider.",
        cite("000", "Serious and widespread concerns: next steps", 1344),
    ),
    Item(
        "A likely return visit within 6 to 8 weeks.",
        cite("000", "Serious and widespread concerns: next steps", 1352),
    ),
)

CHECKLISTS: dict[str, tuple[Item, ...]] = {
    "ch-full": _CH,
    "ch-assurance": _ASSURANCE,
    "asa-full": (
        Item(
            "Debrief between the inspector and their manager first, as soon as possible, with a "
            "recommendation for further action (future inspections and/or compliance action).",
            cite("003", "Inadequate judgements: next steps", 912, 914),
        ),
        Item(
            "The case review, within 5 working days of the inspection: the manager decides what "
            "action to take.",
            cite("003", "Inadequate judgements: next steps", 912, 916),
        ),
        Item(
            "A full inspection usually within 6 to 12 months.",
            cite("003", "Inadequate judgements: next steps", 918),
        ),
        Item(
            "Local authorities or regional adoption agencies commissioning the agency alerted.",
            cite("003", "Feedback to local authorities", 929),
        ),
    ),
    "covid-assurance": (
        Item(
            "Post-visit debrief between the inspector and their manager as soon as possible, with a "
            "recommendation (future inspections or visits and/or enforcement action).",
            cite("002", "Serious and widespread concerns: next steps", 231, 232, (242, 244)),
        ),
        Item(
            "Placing authorities and the home's local authority alerted; the inspector's email to the "
            "directors of children's services by the end of the next working day, then a call; "
            "forwarded to the provider.",
            cite("002", "Serious and widespread concerns: next steps", (235, 241)),
        ),
        Item(
            "The case review, within 5 working days of the visit: the manager decides what action to take.",
            cite("002", "Serious and widespread concerns: next steps", 233, 234, 247, 248),
        ),
        Item(
            "A likely monitoring visit within 6 to 8 weeks.",
            cite("002", "Serious and widespread concerns: next steps", 249, 250),
        ),
    ),
    "ch-interim-2014": (
        Item(
            "After inadequate progress Ofsted would consider a case review and enforcement action.",
            cite("001", "How we will inspect", 399),
        ),
    ),
}


@dataclass(frozen=True)
class Decision:
    id: str
    label: str
    source: Source


DECISIONS = (
    Decision("monitoring_visit", "Monitoring visit", cite("000", "Subsequent inspection activity", 1127)),
    Decision("full_inspection", "Full inspection", cite("000", "Subsequent inspection activity", 1127)),
    Decision(
        "enforcement", "Enforcement action", cite("000", "Post-inspection debrief and case reviews", 1121)
    ),
    Decision(
        "compliance_notice",
        "Compliance notice (with a compliance date)",
        cite("000", "Monitoring compliance notices", 1397),
    ),
    Decision(
        "no_further_action",
        "No further action beyond the usual cycle",
        cite("000", "Post-inspection debrief and case reviews", 1123),
    ),
)


def trigger(kind: InspectionKind, judgement: str | None, concerns: bool) -> str | None:
    """Why a case review is due at once ("inadequate", "concerns"), or None when nothing calls for one.

    A kind whose guidance has no case review (la-sif: an inadequate authority gets quarterly monitoring
    visits and a re-inspection instead, 004 L907) never opens one: its decisions cite seed 000.
    """
    if not has_case_review(kind):
        return None
    if judgement is not None and kind.grade(judgement) == kind.inadequate_grade:
        return INADEQUATE
    if kind.uses_concerns and concerns:
        return CONCERNS
    return None


def has_case_review(kind: InspectionKind) -> bool:
    """Whether the kind's guidance has a case review (and so a checklist for it)."""
    return kind.id in CHECKLISTS


def checklist(kind: InspectionKind) -> tuple[Item, ...]:
    return CHECKLISTS.get(kind.id, ())


def _apply(
    state: str, event: str, party: Party, data: Payload, payload: Payload, situation: Situation
) -> Outcome:
    target = MACHINE.target(state, event, party)
    kind, dates = situation.kind, situation.dates
    if event == START:
        if not has_case_review(kind):
            raise Refused(
                f"There is no case review after {kind.a_name}: its deadlines show what follows an "
                "inadequate judgement."
            )
        why = trigger(kind, dates.judgement, dates.concerns)
        if party is Party.SYSTEM and why is None:
            raise Refused("Nothing recorded on this case calls for a case review.")
        review = situation.deadline("case_review")
        email = situation.deadline("dcs_email")
        warnings: tuple[str, ...] = ()
        tell: tuple[Party, ...] = (Party.MANAGER,)
        if email is not None and email.recorded is None:
            warnings = (
                "The inspector emails the directors of children's services by "
                f"{format_date(email.last_day)}.",
            )
            tell = (Party.MANAGER, Party.INSPECTOR)
        return Outcome(
            target,
            {
                "trigger": why or MANUAL,
                "due": None if review is None else review.last_day.isoformat(),
                "dcs_email_due": None if email is None else email.last_day.isoformat(),
                "opened_on": situation.today.isoformat(),
            },
            warnings=warnings,
            tell=tell,
        )
    if event == DEBRIEF:
        recommendation = text_field(
            data, "recommendation", limit=TEXT_LIMIT, what="the debrief's recommendation"
        )
        return Outcome(
            target,
            {**payload, "recommendation": recommendation, "debriefed_on": situation.today.isoformat()},
            tell=(Party.MANAGER,),
        )
    decision = next((d for d in DECISIONS if d.id == data.get("decision")), None)
    if decision is None:
        raise Refused("Choose a decision: " + "; ".join(d.label for d in DECISIONS) + ".")
    effects: tuple[RecordDate, ...] = ()
    after = {**payload, "decision": decision.id, "decided_on": situation.today.isoformat()}
    if decision.id == "compliance_notice":
        if COMPLIANCE_DATE not in kind.triggers:
            raise Refused(f"A compliance notice isn't issued after {kind.a_name}.")
        day = date_field(data, "compliance_date", what="the compliance date set in the notice")
        if day < situation.today:
            raise Refused(f"The compliance date can't be in the past ({format_date(day)}).")
        effects = (RecordDate(COMPLIANCE_DATE.key, day),)
        after["compliance_date"] = day.isoformat()
    if kind.uses_concerns:
        after["notify_local_authorities"] = bool(data.get("notify_local_authorities"))
    if data.get("note"):
        after["note"] = text_field(data, "note", limit=TEXT_LIMIT, what="the note")
    return Outcome(target, after, effects, tell=(Party.INSPECTOR, Party.MANAGER))


FLOW = Flow(MACHINE, _apply, frozenset({"recommendation", "note"}))
