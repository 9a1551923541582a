"""The case as a workflow sees it, today: shared by the request workflows, /help's "what you can do now"
and the questions about time, so none of them imports another to get it."""

from __future__ import annotations

from handlers.context import Services
from store.consistency import case_dates
from store.models import Case
from workflows.flows import Situation
from workflows.kinds import KINDS


def situation(services: Services, case: Case) -> Situation:
    """The case as a workflow sees it, today (for the checks made before asking anything)."""
    return Situation(KINDS[case.kind], case_dates(case), services.today(), services.calendar)
