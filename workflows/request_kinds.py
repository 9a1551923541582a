"""Every workflow by the kind of request it keeps in the store: the one table the store and chat look up."""

from __future__ import annotations

from workflows import case_review, comments, complaints, deferral, notification, survey
from workflows.flows import Flow

FLOWS: dict[str, Flow] = {
    flow.kind: flow
    for flow in (
        notification.FLOW,
        deferral.FLOW,
        comments.FLOW,
        complaints.FLOW,
        survey.FLOW,
        case_review.FLOW,
    )
}


def get_flow(kind: str) -> Flow:
    """The workflow of a request kind; KeyError for a kind that isn't one (a bug, never user input)."""
    return FLOWS[kind]
