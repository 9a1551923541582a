"""/help's "What you can do now": on the person's open cases, each action the workflows allow them today
with its last day (workflows.actions), so the list never offers what the chat would then refuse.

The cases looked at are those where a request waits for the person, then those with the soonest
deadlines (store.lists), at most `LIMIT` in all; how many more there are is said, never read.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import InspectContext
from handlers.render import action_line, case_title
from handlers.situation import situation
from store.errors import NotFound
from store.models import Case, Person
from workflows.actions import PARTY_BY_ROLE, Action, Waiting, available
from workflows.flows import Party
from workflows.request_kinds import get_flow

#: Cases looked at for one /help.
LIMIT = 10


@dataclass(frozen=True)
class NowSection:
    """The "What you can do now" text, the cases looked at (soonest first) and the commands that work on
    them today, so /help's list above it shows only forms that work as printed."""

    text: str
    cases: tuple[Case, ...] = ()
    actions: tuple[Action, ...] = ()

    def command(self, key: str) -> str | None:
        """The first case's command for action `key` ('/defer 3'), None if no case offers it today."""
        return next((a.command for a in self.actions if a.key == key and a.command), None)


async def now_section(context: InspectContext, person: Person) -> NowSection:
    """The "What you can do now" section for `person` (per case, the actions available today), with the
    cases and actions behind it. For a manager, the inspector's /notify is among the actions (a manager
    may record it too) though not in the text."""
    services = context.services
    db = services.db
    party = PARTY_BY_ROLE.get(person.role)
    if party is None:
        return NowSection("")
    today = services.today()
    waiting_refs, _ = await db.requests.waiting_cases(person, LIMIT)
    page = await db.lists.open_cases(person, today, limit=LIMIT)
    refs = list(dict.fromkeys([*waiting_refs, *(line.case.ref for line in page.items)]))[:LIMIT]
    blocks: list[str] = []
    cases: list[Case] = []
    offered: list[Action] = []
    for ref in refs:
        try:
            case = await db.cases.get(person, ref)
            requests = await db.requests.for_case(person, ref)
        except NotFound:
            continue  # closed or left since the list was read: nothing to do on it now
        cases.append(case)
        waiting = [
            Waiting(r.kind, get_flow(r.kind).machine.events(r.state, party)) for r in requests if not r.final
        ]
        now = situation(services, case)
        actions = available(now, party, ref, waiting)
        offered += actions
        if party is Party.MANAGER:
            offered += [a for a in available(now, Party.INSPECTOR, ref, waiting) if a.key == "notify"]
        if actions:
            blocks.append(f"<b>{case_title(case)}</b>\n" + "\n".join(f"• {action_line(a)}" for a in actions))
    head = "<b>What you can do now</b>"
    if not page.total and not waiting_refs:
        return NowSection(f"{head}\nYou have no open cases.")
    body = "\n\n".join(blocks) if blocks else "Nothing waits for you on your open cases today."
    more = page.total - len(refs)
    noun = "case" if more == 1 else "cases"
    tail = f"\n\n({more} more open {noun} not shown here: see them all, soonest first, with /cases.)"
    return NowSection(f"{head}\n{body}" + (tail if more > 0 else ""), tuple(cases), tuple(offered))
