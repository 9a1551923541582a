"""Comments on the draft report: once the draft is recorded as sent, the provider sends comments (text
and documents: Telegram's file id and name, never the file) until the kind's comments deadline; late
comments are accepted and marked late, and the inspector is told. The inspector marks them seen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.dates import format_date
from workflows.deadlines import LONDON
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
)

SUBMITTED = "submitted"
SEEN = "seen"

SUBMIT = "submit"
SEE = "see"

MACHINE = Machine(
    kind="comments",
    states=(SUBMITTED, SEEN),
    final=frozenset({SEEN}),
    moves=(
        Move(NEW, SUBMIT, SUBMITTED, frozenset({Party.PROVIDER})),
        Move(SUBMITTED, SEE, SEEN, frozenset({Party.INSPECTOR, Party.MANAGER})),
    ),
    decider=Party.INSPECTOR,
)

DRAFT = "draft_report"
COMMENTS = "provider_comments"
TEXT_LIMIT = 4000
MAX_DOCUMENTS = 10


def _documents(data: Payload) -> list[dict[str, Any]]:
    raw = data.get("documents") or []
    if not isinstance(raw, list) or len(raw) > MAX_DOCUMENTS:
        raise Refused(f"Send at most {MAX_DOCUMENTS} documents with one set of comments.")
    documents: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("file_id"), str) or not item["file_id"]:
            raise Refused("A document came without its Telegram file id.")
        name, size = item.get("name"), item.get("size")
        documents.append(
            {
                "file_id": item["file_id"],
                "name": str(name)[:200] if name else None,
                "size": size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
            }
        )
    return documents


def _apply(
    state: str, event: str, party: Party, data: Payload, payload: Payload, situation: Situation
) -> Outcome:
    target = MACHINE.target(state, event, party)
    if event == SEE:
        return Outcome(target, {**payload, "seen_on": situation.today.isoformat()})
    draft = situation.deadline(DRAFT)
    due = situation.deadline(COMMENTS)
    if draft is None or due is None:
        raise Refused(f"There is no draft report to comment on after {situation.kind.a_name}.")
    if draft.recorded is None:
        raise Refused(
            "Comments open once the draft report has been sent: it hasn't been recorded as sent yet."
        )
    text = data.get("text")
    cleaned = " ".join(text.split()) if isinstance(text, str) else ""
    documents = _documents(data)
    if not cleaned and not documents:
        raise Refused("Send your comments as text or as documents.")
    if len(cleaned) > TEXT_LIMIT:
        raise Refused(f"Keep one message of comments under {TEXT_LIMIT} characters; send more after it.")
    at = data.get("at")
    moment = at if isinstance(at, datetime) else None
    late = situation.today > due.last_day if moment is None else moment.astimezone(LONDON) > due.due_at()
    return Outcome(
        target,
        {
            "text": cleaned or None,
            "documents": documents,
            "due": due.last_day.isoformat(),
            "submitted_on": situation.today.isoformat(),
            "late": late,
        },
        (RecordDate(COMMENTS, situation.today, only_if_absent=True),),
        warnings=(f"These comments are late: they were due by {format_date(due.last_day)}.",) if late else (),
        tell=(Party.INSPECTOR,),
    )


FLOW = Flow(MACHINE, _apply, frozenset({"text", "name"}))
