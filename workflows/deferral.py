"""Deferral: the provider asks, on a ground from the deferral policy; a manager approves (with new planned
days, which moves every date counted from them) or declines (with a reason); the provider may withdraw.

A request once the visit has started is refused with the reason (the policy pauses a visit that has
started instead; deferral-policy.md section 2). A visit the provider has no notice of (a children's home,
000 L534; a COVID-19 visit until its call, 002 L155-156) is different: the request comes "at the first
opportunity after inspectors arrive where providers have no notice of the inspection" (deferral-policy.md
section 2), so it is accepted from the day the visit begins to its last on-site day, and before that
`/defer` answers as it would on a case with no visit planned (`not_yet`), naming no day. `la-sif` offers
only the exceptional circumstances its guidance allows (004 L34-37); staff absence, the DCS's included, is
never a ground.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from workflows import visit
from workflows.dates import format_date
from workflows.flows import (
    NEW,
    ClearRecord,
    Effect,
    Flow,
    Machine,
    Move,
    Outcome,
    Party,
    Payload,
    Refused,
    SetPlanned,
    Situation,
    cite,
    date_field,
    text_field,
)
from workflows.rules import END, START, InspectionKind, Source

REQUESTED = "requested"
APPROVED = "approved"
DECLINED = "declined"
WITHDRAWN = "withdrawn"

ASK = "ask"
APPROVE = "approve"
DECLINE = "decline"
WITHDRAW = "withdraw"

MACHINE = Machine(
    kind="deferral",
    states=(REQUESTED, APPROVED, DECLINED, WITHDRAWN),
    final=frozenset({APPROVED, DECLINED, WITHDRAWN}),
    moves=(
        Move(NEW, ASK, REQUESTED, frozenset({Party.PROVIDER})),
        Move(REQUESTED, APPROVE, APPROVED, frozenset({Party.MANAGER})),
        Move(REQUESTED, DECLINE, DECLINED, frozenset({Party.MANAGER})),
        Move(REQUESTED, WITHDRAW, WITHDRAWN, frozenset({Party.PROVIDER})),
    ),
    decider=Party.MANAGER,
)

EXPLANATION_LIMIT = 1000
REASON_LIMIT = 500
OTHER = "other"

#: The general policy, as summarised in shared/spec/timelines.md ("Deferral") from deferral-policy.md.
POLICY = "shared/spec/timelines.md, Deferral; shared/spec/deferral-policy.md, section 3"


@dataclass(frozen=True)
class Ground:
    """A reason a provider may give: its id (button data), how it reads, and where it comes from."""

    id: str
    label: str
    source: Source  # the seed line that sends deferrals to the policy, or states the ground itself
    policy: str = POLICY


#: The seed line of each kind that says deferrals follow Ofsted's deferral policy.
_POLICY_LINES: dict[str, Source] = {
    "ch-full": cite("000", "Deferrals", 612, 614),
    "ch-assurance": cite("000", "Deferrals", 612, 614),
    "ch-interim-2014": cite("000", "Deferrals", 612, 614),
    "asa-full": cite("003", "Deferrals", 493, 495),
    "covid-assurance": cite("002", "Further guidance: Deferring inspections", 259),
}

_GENERAL = (
    (
        "police_investigation",
        "A senior person is under police investigation or serious concern from another agency",
    ),
    ("major_incident", "A recent major incident (a death or serious injury, serious or infectious illness)"),
    ("closing", "The setting is due to close, merge or move"),
    ("local_incident", "A local incident means a visit would be inappropriate"),
    ("closed_for_half", "Closed for a training day or severe weather for at least half the visit"),
    ("leader_wellbeing", "A senior leader's well-being, with no one to step in"),
    (OTHER, "Other (explain)"),
)

_SIF_SOURCE = cite("004", "Deferrals", 35, 37)
#: Only exceptional circumstances: staff at risk, or inspectors severely restricted (004 L35).
SIF_GROUNDS = (
    Ground(
        "severe_weather",
        "Serious weather makes access to sites difficult or dangerous",
        cite("004", "Deferrals", 35, 36),
    ),
    Ground(
        "power_failure",
        "A power failure keeps inspectors from electronic records for a long time",
        cite("004", "Deferrals", 35, 37),
    ),
    Ground(
        OTHER,
        "Other exceptional circumstances: staff at risk, or evidence severely restricted (explain)",
        _SIF_SOURCE,
    ),
)

#: Said whenever a `la-sif` provider asks: absence is not a ground (004 L35).
SIF_NOT_A_GROUND = "Staff absence, including the absence of the DCS, is not a reason for deferral (004 L35)."
#: Said before Send when another kind's explanation rests on someone being away: absence is none of the
#: policy's grounds that `grounds` offers (000 L612-614, 003 L493-495: "in line with our deferral policy").
STAFF_ABSENCE_NOT_A_GROUND = (
    "Staff absence (someone on leave, off sick or away) is not one of the grounds in Ofsted's deferral "
    "policy: a request resting on it alone is unlikely to be granted."
)
#: Words that say someone is away (an explanation such as "our registered manager is on leave").
_ABSENCE = re.compile(
    r"\b(on\s+(annual\s+|sick\s+|maternity\s+|paternity\s+|parental\s+|study\s+|compassionate\s+)?leave"
    r"|annual\s+leave|sick\s+leave|off\s+sick|off\s+work|on\s+holiday|absen(t|ce)|unavailable"
    r"|not\s+available|short[-\s]staffed|staff\s+shortages?|on\s+a\s+course)\b",
    re.IGNORECASE,
)


def absence_warning(kind_id: str, explanation: str) -> str | None:
    """The warning for an explanation that rests on staff absence, said before the provider sends it
    (la-sif's own line, 004 L35, else `STAFF_ABSENCE_NOT_A_GROUND`); None when it does not mention one."""
    if not _ABSENCE.search(explanation):
        return None
    return SIF_NOT_A_GROUND if kind_id == "la-sif" else STAFF_ABSENCE_NOT_A_GROUND


def grounds(kind: InspectionKind) -> tuple[Ground, ...]:
    """The grounds offered for `kind`, "other" last."""
    if kind.id == "la-sif":
        return SIF_GROUNDS
    source = _POLICY_LINES.get(kind.id, cite("000", "Deferrals", 612, 614))
    return tuple(Ground(ground_id, label, source) for ground_id, label in _GENERAL)


def begins(situation: Situation) -> date:
    """The day the visit starts (or started): `workflows.visit.begins` (a COVID-19 visit: its call)."""
    return visit.begins(situation.kind, situation.dates, situation.calendar)


def started(situation: Situation) -> date | None:
    """The day the visit started, if it has by today; None if it has not."""
    first = begins(situation)
    return first if first <= situation.today else None


def without_notice(situation: Situation) -> bool:
    """A visit the provider has no notice of: asked for once inspectors arrive (deferral-policy.md s2)."""
    return visit.is_unannounced(situation.kind)


def not_yet(kind: InspectionKind) -> str:
    """What /defer says on a visit without notice before it begins: the same for every such case, as
    for one with no visit planned, so it gives no day away."""
    return (
        f"There is no visit on this case to defer now. {kind.a_name_opening} is not announced in advance: "
        "if you need a visit deferred, ask here at the first opportunity once inspectors arrive (Ofsted's "
        "deferral policy)."
    )


def last_day_to_ask(situation: Situation) -> date | None:
    """The last day to ask for a deferral, or None when no request is accepted today.

    A request is accepted until the day before the visit starts, and a manager must approve it before
    then too, so the day to name is the last working day before the start; on the non-working days just
    before it (a weekend before a Monday start) a request is still accepted: then it is the day before.
    A visit without notice is the other way round: from the day it begins (the provider learns of it
    then) to its last on-site day, and None before it begins, so nothing names its days.
    """
    if without_notice(situation):
        if not visit.started(situation.kind, situation.dates, situation.today, situation.calendar):
            return None
        last = situation.last_day()
        return last if last >= situation.today and END not in situation.dates.records else None
    first = begins(situation)
    if first <= situation.today:
        return None
    working = situation.calendar.add_working_days(first, -1)
    return working if working >= situation.today else first - timedelta(days=1)


def refuse_if_started(situation: Situation) -> None:
    """Refused, with the reason, when no request (or decision) is accepted today: once the visit has
    started; for a visit without notice, before it begins (`not_yet`) and once it has ended."""
    if without_notice(situation):
        if last_day_to_ask(situation) is not None:
            return
        if not visit.started(situation.kind, situation.dates, situation.today, situation.calendar):
            raise Refused(not_yet(situation.kind))
        raise Refused(
            f"The visit ended on {format_date(situation.last_day())}, so it can no longer be deferred. "
            "Raise any concern with the lead inspector."
        )
    began = started(situation)
    if began is not None:
        raise Refused(
            f"The visit started on {format_date(began)}, so it can no longer be deferred. If something "
            "has happened that stops it going on, tell the lead inspector now: a visit that has started "
            "may be paused instead (Ofsted's policy on deferring, pausing and gathering additional "
            "evidence)."
        )


def refuse_if_too_late(situation: Situation) -> None:
    """A decision: refused once the visit has started, or for a visit without notice once it has ended
    (a request asked before the rule for such visits came in may still be decided before it begins)."""
    if without_notice(situation):
        if visit.started(situation.kind, situation.dates, situation.today, situation.calendar):
            refuse_if_started(situation)
        return
    refuse_if_started(situation)


def abandoned_records(situation: Situation) -> tuple[str, ...]:
    """The recorded days of the visit a deferral abandons, end first: its start and end, and a COVID-19
    visit's announcement call. A home is deferred after inspectors arrive (deferral-policy.md section 2),
    so its start is often recorded; left in place, the recorded start would outweigh the new planned days
    (`visit.begins`) and the provider would be shown the case as if the visit were still on."""
    keys = [END, START]
    if situation.kind.id in visit.ANNOUNCED_BY_CALL:
        keys.append(visit.CALL)
    return tuple(key for key in keys if key in situation.dates.records)


def _apply(
    state: str, event: str, party: Party, data: Payload, payload: Payload, situation: Situation
) -> Outcome:
    target = MACHINE.target(state, event, party)
    if event == ASK:
        refuse_if_started(situation)
        offered = {ground.id: ground for ground in grounds(situation.kind)}
        ground = offered.get(str(data.get("ground", "")))
        if ground is None:
            names = "; ".join(g.label for g in offered.values())
            raise Refused(f"Choose one of the grounds the policy allows: {names}.")
        explanation: str | None = None
        if ground.id == OTHER or data.get("explanation"):
            explanation = text_field(data, "explanation", limit=EXPLANATION_LIMIT, what="why")
        return Outcome(
            target,
            {
                "ground": ground.id,
                "explanation": explanation,
                "asked_on": situation.today.isoformat(),
                "first_day": situation.first_day().isoformat(),
                # When the visit begins, which a decision must come before: for a COVID-19 visit the
                # announcement call, the working day before its on-site day (002 L155-156).
                "begins": begins(situation).isoformat(),
                # The last day a decision is accepted: for a visit without notice, its last on-site day.
                "until": None if (until := last_day_to_ask(situation)) is None else until.isoformat(),
            },
            tell=(Party.MANAGER, Party.INSPECTOR),
        )
    if event == APPROVE:
        refuse_if_too_late(situation)
        start = date_field(data, "start", what="the new first on-site day")
        end = date_field(data, "end", what="the new last on-site day") if data.get("end") else None
        if start <= situation.today:
            raise Refused(f"The new first on-site day must be after today, not {format_date(start)}.")
        if not situation.calendar.is_working_day(start):
            raise Refused(f"{format_date(start)} is not a working day.")
        if end is not None and end < start:
            raise Refused("The new last on-site day can't be before the new first.")
        before = situation.dates
        if end is None and before.start is not None and before.end is not None:
            # Only a new first day: the visit keeps its length in working days.
            length = situation.calendar.working_days_between(before.start, before.end)
            end = situation.calendar.add_working_days(start, length) if length else start
        abandoned = abandoned_records(situation)
        if (start, end) == (before.start, before.end) and not abandoned:
            raise Refused("Those are the planned days already: give the new ones.")
        effects: tuple[Effect, ...] = (*(ClearRecord(key) for key in abandoned), SetPlanned(start, end))
        return Outcome(
            target,
            {
                **payload,
                "start": start.isoformat(),
                "end": None if end is None else end.isoformat(),
                "previous_start": None if before.start is None else before.start.isoformat(),
                "previous_end": None if before.end is None else before.end.isoformat(),
            },
            effects,
            tell=(Party.PROVIDER, Party.INSPECTOR, Party.MANAGER),
        )
    if event == DECLINE:
        reason = text_field(data, "reason", limit=REASON_LIMIT, what="why it is declined")
        return Outcome(
            target, {**payload, "reason": reason}, tell=(Party.PROVIDER, Party.INSPECTOR, Party.MANAGER)
        )
    return Outcome(target, dict(payload), tell=(Party.MANAGER, Party.INSPECTOR))


FLOW = Flow(MACHINE, _apply, frozenset({"explanation", "reason"}))
