"""When a formal complaint can be made, as a person of a role is told: /complain (handlers/complain.py)
and "how do I complain?" (handlers/complaint_steps.py) both say it."""

from __future__ import annotations

from html import escape

from handlers.context import Services
from handlers.render import relative
from handlers.situation import situation
from store.models import Case, Role
from workflows import complaints
from workflows.audience import hides_visit
from workflows.dates import format_date
from workflows.flows import Refused
from workflows.kinds import KINDS

#: What a provider is told of a complaint on a case whose visit is kept from them: check_window's words
#: without the day (it would be the planned last on-site day).
NOT_OPEN_YET = (
    "A formal complaint can be made from the end of the inspection. Until then, raise concerns with the "
    "inspector, and with their manager if that doesn't resolve them."
)


def complaint_window(services: Services, role: Role, case: Case) -> complaints.Window:
    """`complaints.check_window` for someone of `role`: while the case's visit is kept from them (a
    provider before an unannounced visit begins, workflows.audience), refused with no day named."""
    facts = situation(services, case)
    if hides_visit(role, facts.kind, facts.dates, facts.today, facts.calendar):
        raise Refused(NOT_OPEN_YET)
    return complaints.check_window(situation(services, case))


def window_words(services: Services, case: Case, found: complaints.Window) -> tuple[str, str]:
    """'until <b>Friday 18 December 2026</b> (15 working days from today)' and the rule's line ("" if
    none), as every date the bot gives (chat-style.md); /complain and 'how do I complain?' share it."""
    today = services.today()
    if found.reopens is not None and today >= found.reopens:  # on receiving the final report (003 L998)
        return (
            "now; the guidance sets no closing day",
            "\nRule: a formal complaint may be lodged when the final report is received.",
        )
    if found.closes is None:
        return "now; the guidance sets no closing day", ""
    distance = relative(found.closes, today, services.calendar)
    rule = KINDS[case.kind].texts.get("complaint_window")
    why = f"\nRule: {escape(rule[0])}." if rule is not None else ""
    return f"until <b>{format_date(found.closes)}</b> ({distance})", why
