"""The post-inspection survey: offered to the provider when the kind's guidance says (the report sent,
the visit over), answered one question at a time (each may be skipped; the answers so far are kept, so a
restart loses nothing), then finished or declined. Managers read the answers per case and in summary.

The seeds say when a survey is sent, not what it asks: the questions below are the bot's own, short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.flows import (
    NEW,
    Flow,
    Machine,
    Move,
    Outcome,
    Party,
    Payload,
    Refused,
    Situation,
    cite,
)
from workflows.rules import InspectionKind, Source

OFFERED = "offered"
ANSWERING = "answering"
DONE = "done"
DECLINED = "declined"

OFFER = "offer"
ANSWER = "answer"
FINISH = "finish"
DECLINE = "decline"

_PROVIDER = frozenset({Party.PROVIDER})

MACHINE = Machine(
    kind="survey",
    states=(OFFERED, ANSWERING, DONE, DECLINED),
    final=frozenset({DONE, DECLINED}),
    moves=(
        Move(NEW, OFFER, OFFERED, frozenset({Party.SYSTEM, Party.INSPECTOR, Party.MANAGER})),
        # Offered again with the final report while not yet finished or declined (000 L1246).
        Move(OFFERED, OFFER, OFFERED, frozenset({Party.SYSTEM})),
        Move(ANSWERING, OFFER, ANSWERING, frozenset({Party.SYSTEM})),
        Move(OFFERED, ANSWER, ANSWERING, _PROVIDER),
        Move(OFFERED, DECLINE, DECLINED, _PROVIDER),
        Move(OFFERED, FINISH, DONE, _PROVIDER),
        Move(ANSWERING, ANSWER, ANSWERING, _PROVIDER),
        Move(ANSWERING, FINISH, DONE, _PROVIDER),
    ),
    decider=None,
)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    rating: bool  # 1 (poor) to 5 (very good); else a few words


QUESTIONS = (
    Question("overall", "Overall, how well was the inspection carried out?", True),
    Question("clarity", "How clear were the inspector's explanations and feedback?", True),
    Question("conduct", "Were you treated with courtesy and respect throughout?", True),
    Question("improve", "What could Ofsted do better? (a few words)", False),
)
TEXT_LIMIT = 1000


@dataclass(frozen=True)
class Moment:
    """When the survey goes out: once any of `events` is recorded on the case; and again when `again` is
    recorded after it went out, unless the provider has finished or declined it by then."""

    events: tuple[str, ...]
    source: Source
    again: str | None = None


#: 000 L1246: the survey is sent "at the same time as when they receive both the draft and final
#: inspection reports". One survey per case: offered with the draft, and offered again with the final
#: report if it is still unanswered (asking a provider who already answered or said no a second time
#: would only repeat it). A final report recorded before any draft brings the one offer.
_CH_MOMENT = Moment(
    ("draft_report", "final_report"), cite("000", "Post-inspection survey", 1246), again="final_report"
)

MOMENTS: dict[str, Moment] = {
    "ch-full": _CH_MOMENT,
    "ch-assurance": _CH_MOMENT,
    "asa-full": Moment(("final_report",), cite("003", "Post-inspection survey", 978)),
    "covid-assurance": Moment(("end",), cite("002", "Post-visit surveys", 254, 255)),
    "la-sif": Moment(("publication",), cite("004", "Quality assurance: evaluation form", 872)),
}


def due_now(kind: InspectionKind, records: Mapping[str, Any]) -> bool:
    """Whether the survey should be offered on a case of `kind` that has `records`."""
    moment = MOMENTS.get(kind.id)
    return moment is not None and any(event in records for event in moment.events)


def offer_again(kind: InspectionKind, records: Mapping[str, Any], state: str, payload: Payload) -> bool:
    """Whether an unfinished survey goes out again now: the kind's `again` event (the final report) is
    recorded, it was not among the events recorded when the survey was offered, and it has not been
    offered again yet. A survey offered before `offered_with` was kept is not offered again."""
    moment = MOMENTS.get(kind.id)
    if moment is None or moment.again is None or moment.again not in records:
        return False
    if state not in (OFFERED, ANSWERING) or payload.get("offered_again_on"):
        return False
    offered_with = payload.get("offered_with")
    if not isinstance(offered_with, list):  # offered before this was kept: with which report is unknown
        return False
    return moment.again not in offered_with


def next_question(payload: Payload) -> Question | None:
    """The first question not yet answered or skipped: where a resumed survey carries on."""
    answers = payload.get("answers") or {}
    return next((q for q in QUESTIONS if q.key not in answers), None)


def _answer(data: Payload) -> tuple[str, int | str | None]:
    key = data.get("question")
    question = next((q for q in QUESTIONS if q.key == key), None)
    if question is None:
        raise Refused("That isn't one of the survey's questions.")
    value = data.get("value")
    if value is None:
        return question.key, None  # skipped
    if question.rating:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise Refused("Answer with a number from 1 (poor) to 5 (very good), or skip.")
        return question.key, value
    cleaned = " ".join(value.split()) if isinstance(value, str) else ""
    if len(cleaned) > TEXT_LIMIT:
        raise Refused(f"Keep it under {TEXT_LIMIT} characters.")
    return question.key, cleaned or None


def _apply(
    state: str, event: str, party: Party, data: Payload, payload: Payload, situation: Situation
) -> Outcome:
    target = MACHINE.target(state, event, party)
    if event == OFFER:
        if not due_now(situation.kind, situation.dates.records):
            moment = MOMENTS.get(situation.kind.id)
            if moment is None:
                raise Refused(f"The guidance for {situation.kind.a_name} sends no survey.")
            raise Refused(
                "The survey goes out once the report has been sent (or the visit is over, as the kind says)."
            )
        if state != NEW:  # the second offer, with the final report: the answers so far are kept
            if not offer_again(situation.kind, situation.dates.records, state, payload):
                raise Refused("The survey has already been offered with this report.")
            return Outcome(
                target, {**payload, "offered_again_on": situation.today.isoformat()}, tell=(Party.PROVIDER,)
            )
        moment = MOMENTS[situation.kind.id]
        with_events = [event for event in moment.events if event in situation.dates.records]
        return Outcome(
            target,
            {"offered_on": situation.today.isoformat(), "answers": {}, "offered_with": with_events},
            tell=(Party.PROVIDER,),
        )
    if event == ANSWER:
        key, value = _answer(data)
        answers = dict(payload.get("answers") or {})
        answers[key] = value
        return Outcome(target, {**payload, "answers": answers})
    if event == FINISH:
        answers = {q.key: (payload.get("answers") or {}).get(q.key) for q in QUESTIONS}
        return Outcome(
            target,
            {**payload, "answers": answers, "finished_on": situation.today.isoformat()},
            tell=(Party.MANAGER,),
        )
    return Outcome(target, {**payload, "declined_on": situation.today.isoformat()})


def summary(payloads: list[Payload]) -> dict[str, Any]:
    """Across finished surveys: how many, and each rating question's count and mean (skips left out)."""
    result: dict[str, Any] = {"surveys": len(payloads)}
    for question in QUESTIONS:
        if not question.rating:
            continue
        values = [v for p in payloads if isinstance(v := (p.get("answers") or {}).get(question.key), int)]
        result[question.key] = {
            "answers": len(values),
            "mean": round(sum(values) / len(values), 2) if values else None,
        }
    return result


FLOW = Flow(MACHINE, _apply, frozenset({"improve"}))
