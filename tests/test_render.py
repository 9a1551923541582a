"""How answers read: distance in working days, and long lists paged under Telegram's limit."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from handlers.due import DueButton
from handlers.render import (
    CASE_BUTTON_LIMIT,
    MESSAGE_LIMIT,
    case_keyboard,
    event_label,
    paginate,
    relative,
    which_case,
)
from workflows.calendar import WorkingCalendar

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("due", "today", "text"),
    [
        (date(2026, 3, 3), date(2026, 3, 3), "today"),
        (date(2026, 3, 4), date(2026, 3, 3), "1 working day from today"),
        (date(2026, 3, 9), date(2026, 3, 6), "1 working day from today"),  # Friday to Monday
        (date(2026, 4, 7), date(2026, 4, 2), "1 working day from today"),  # over Easter
        (date(2026, 3, 17), date(2026, 3, 3), "10 working days from today"),
        (date(2026, 3, 2), date(2026, 3, 3), "1 working day late"),
        (date(2026, 3, 2), date(2026, 3, 7), "4 working days late"),  # Tuesday to Friday, asked on Saturday
        (date(2026, 3, 6), date(2026, 3, 8), "overdue"),  # due Friday, asked on Sunday
        (date(2026, 4, 2), date(2026, 4, 7), "1 working day late"),  # over Easter
    ],
)
def test_relative(due: date, today: date, text: str) -> None:
    assert relative(due, today, CAL) == text


def test_paginate_keeps_lines_whole_and_pages_under_the_limit() -> None:
    lines = [f"<b>line {n}</b> " + "x" * (n % 300) for n in range(400)]
    pages = paginate(lines, "Header:")
    assert len(pages) > 1
    assert all(len(page) <= MESSAGE_LIMIT for page in pages)
    assert pages[0].startswith("Header:\n")
    rejoined = "\n".join(pages).split("\n")[1:]
    assert rejoined == lines  # nothing lost, nothing cut, in order


def test_paginate_short_list_is_one_page() -> None:
    assert paginate(["a", "b"], "H") == ["H\na\nb"]
    assert paginate([], "H") == ["H"]


def _cases(n: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(ref=i, setting=SimpleNamespace(name=f"Home {i}")) for i in range(1, n + 1)]


def test_case_keyboard_and_question_say_when_the_list_is_cut() -> None:
    few, many = _cases(3), _cases(CASE_BUTTON_LIMIT + 5)
    assert which_case("Which case?", few, "/due 12") == "Which case?"  # type: ignore[arg-type]
    cut = which_case("Which case?", many, "/due 12")  # type: ignore[arg-type]
    assert cut.startswith("Which case? (The first 20 of your 25 cases are shown")
    assert "/due 12" in cut
    keyboard = case_keyboard(many, DueButton.at)  # type: ignore[arg-type]
    rows = keyboard.inline_keyboard
    assert len(rows) == CASE_BUTTON_LIMIT
    assert rows[0][0].text == "#1 Home 1" and rows[0][0].callback_data == "due:1"


def test_event_labels_are_words_not_keys() -> None:
    assert event_label("ch-full", "end") == "Visit ended (feedback given)"
    assert event_label("ch-full", "draft_report") == "Draft report sent to the provider"
