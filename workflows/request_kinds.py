"""Every workflow by the kind of request it keeps in the store: the one table the store and chat look up."""

from __future__ import annotations

from workflows import case_review, comments, complaints, deferral, notification, survey
from workflows.flows import Flow, Party

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


#: Ofsted-internal requests: a provider is never shown them (workflows.audience hides the case review too).
INTERNAL = frozenset({case_review.MACHINE.kind})


def visible_to(party: Party, kind: str) -> bool:
    """Whether someone in `party` on a case sees its requests of `kind`."""
    return party is not Party.PROVIDER or kind not in INTERNAL
