"""A plain-word question about one case reads its words once and works out the case's timeline once, and
answers as before: as the button for that milestone does, or with the buttons the narrowed reading gives."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from handlers import due
from handlers.context import Services
from store.database import Database
from store.models import Case, Person, Role
from tests.storefixtures import Clock, first_manager
from workflows.calendar import WorkingCalendar
from workflows.questions import parse_question


class _Chat:
    """Stands in for the message and its chat: keeps what the bot replied, text and button data."""

    def __init__(self, text: str, telegram_id: int) -> None:
        self.text = text
        self.replies: list[str] = []
        self.buttons: list[list[str]] = []
        self.update = cast(
            Any,
            SimpleNamespace(
                effective_message=self, effective_user=SimpleNamespace(id=telegram_id), callback_query=None
            ),
        )

    async def reply_html(self, text: str, do_quote: bool = False) -> None:
        self.replies.append(text)

    async def reply_text(self, text: str, reply_markup: Any = None, do_quote: bool = False) -> None:
        self.replies.append(text)
        self.buttons = [[b.callback_data for b in row] for row in reply_markup.inline_keyboard]


def _counting(monkeypatch: pytest.MonkeyPatch, calls: Counter[str], name: str) -> None:
    """Count the handler module's calls of `name`, still doing the real work."""
    real: Callable[..., Any] = getattr(due, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(due, name, counted)


async def _world(db: Database, clock: Clock) -> tuple[Any, Person, Case]:
    boss = await first_manager(db)
    invite = await db.invites.create(boss, Role.INSPECTOR)
    inspector = await db.invites.redeem(invite.code, 2, "Ian")
    case = await db.cases.create(inspector, "ch-full", "Oak House", date(2026, 5, 18))
    services = Services(db, WorkingCalendar(), ZoneInfo("Europe/London"), "inspectbot", clock)
    # `person`: who asks, as group -1 read them once for the update (handlers.context.load_person).
    return cast(Any, SimpleNamespace(services=services, user_data={}, person=inspector)), inspector, case


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("when is the draft due for #{ref}?", "draft_report"),
        ("when do my comments have to be in for #{ref}?", "provider_comments"),
        ("what's the complaint deadline for #{ref}?", "complaint_window"),
        ("what's next for #{ref}?", None),
    ],
)
async def test_a_question_naming_its_case_is_read_once_and_answered_as_the_button_does(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch, text: str, key: str | None
) -> None:
    context, inspector, case = await _world(db, clock)
    expected = due._answer_text(context, inspector, case, key)  # what pressing that milestone's button says
    calls: Counter[str] = Counter()
    _counting(monkeypatch, calls, "parse_question")
    _counting(monkeypatch, calls, "visible_timeline")
    chat = _Chat(text.format(ref=case.ref), telegram_id=2)

    await due.question(chat.update, context)

    assert chat.replies == [expected]
    assert calls == Counter({"parse_question": 1, "visible_timeline": 1})


async def test_an_unsure_question_offers_the_milestones_the_narrowed_reading_gives(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, inspector, case = await _world(db, clock)
    text = f"when is the report due for #{case.ref}?"
    services = context.services
    live = [d.key for d in due.visible_timeline(case, inspector, services.calendar, services.today())]
    offered = [m.key for m in parse_question(text, live).matches[:4]]
    calls: Counter[str] = Counter()
    _counting(monkeypatch, calls, "parse_question")
    _counting(monkeypatch, calls, "visible_timeline")
    chat = _Chat(text, telegram_id=2)

    await due.question(chat.update, context)

    assert chat.replies == ["Which do you mean?"]
    assert len(offered) > 1 and chat.buttons == [[f"ask:{k}:{case.ref}"] for k in offered]
    assert calls == Counter({"parse_question": 1, "visible_timeline": 1})


async def test_a_date_taken_out_of_the_question_is_read_again_without_it(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, inspector, case = await _world(db, clock)
    expected = due._answer_text(context, inspector, case, "draft_report")
    calls: Counter[str] = Counter()
    _counting(monkeypatch, calls, "parse_question")
    _counting(monkeypatch, calls, "visible_timeline")
    chat = _Chat(f"when is the draft due for #{case.ref} on 24/12/2026?", telegram_id=2)

    await due.question(chat.update, context)

    assert len(chat.replies) == 1 and chat.replies[0].startswith(expected + "\n\n(I answered from the dates")
    assert calls == Counter({"parse_question": 2, "visible_timeline": 1})


async def test_the_monitoring_visit_question_answers_each_compliance_notices_visit(
    db: Database, clock: Clock
) -> None:
    """Two compliance notices, two monitoring visits (000 L1397-1399): "when is the monitoring visit?"
    answers both, in the order of the notices, not the first alone (issue 18 loose end 6)."""
    context, inspector, case = await _world(db, clock)
    await db.cases.record_event(inspector, case.ref, "end", date(2026, 5, 19))
    await db.cases.record_event(inspector, case.ref, "compliance_date", date(2026, 6, 15))
    await db.cases.record_event(inspector, case.ref, "compliance_date", date(2026, 7, 20))
    case = await db.cases.get(inspector, case.ref)
    first = due._answer_text(context, inspector, case, "compliance_visit")
    chat = _Chat(f"when is the monitoring visit for #{case.ref}?", telegram_id=2)

    await due.question(chat.update, context)

    assert len(chat.replies) == 1, chat.replies
    answer = chat.replies[0]
    assert "Monitoring visit to check the compliance notice" in answer, answer
    assert "Monitoring visit to check compliance notice 2" in answer, answer
    assert answer.index("compliance notice 2") > answer.index("the compliance notice"), answer
    assert answer == first  # the button for the milestone answers the same
