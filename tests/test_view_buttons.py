"""The reading side's buttons: each kind packs the data it always did (a button already in someone's chat
keeps working), reads it back with its types, and refuses what is not its own or was forged."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.buttons import Button
from handlers.cases import ShowCase
from handlers.due import AskButton, DueButton, QuestionCase
from handlers.lists import ListName, ListSpec, PageButton
from handlers.programme import Narrow, ProgrammePage
from store.lists import CaseFilter


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (ShowCase(ref=12), "case:12"),
        (DueButton(ref=7), "due:7"),
        (QuestionCase(ref=3), "qcase:3"),
        (AskButton(key="draft_report", ref=12), "ask:draft_report:12"),
        (AskButton(key="", ref=12), "ask::12"),
        (ListSpec(ListName.OPEN, CaseFilter(inspector_id=42)).button(10), "pg:open:10:i42"),
        (ListSpec(ListName.OPEN, CaseFilter(kind="ch-full")).button(0), "pg:open:0:kch-full"),
        (ListSpec(ListName.OPEN, CaseFilter(overdue=True)).button(0), "pg:open:0:o"),
        (ListSpec(ListName.THIS_WEEK).button(20), "pg:wk0:20:"),
        (
            ListSpec(ListName.DUE, span=(date(2027, 3, 1), date(2027, 3, 31))).button(0),
            "pg:due:0:d20270301.20270331",
        ),
        (Narrow("m202703").button(10), "prg:10:m202703"),
        (Narrow("").button(0), "prg:0:"),
        (Narrow("kch-full").button(0), "prg:0:kch-full"),
    ],
)
def test_the_data_is_what_it_always_was_and_reads_back(button: Button, data: str) -> None:
    assert button.pack() == data
    assert type(button).unpack(data) == button


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (ShowCase, "case:" + "9" * 10),  # more digits than a case number has: never looked up
        (ShowCase, "case:-1"),
        (ShowCase, "case:+1"),
        (ShowCase, "case: 1"),
        (ShowCase, "case:1_0"),
        (ShowCase, "case:"),
        (ShowCase, "due:1"),  # another kind's
        (DueButton, "due:1:2"),
        (AskButton, "ask:Draft:1"),  # a key is lower-case letters and underscores
        (AskButton, "ask:draft_2:1"),
        (AskButton, "ask:draft"),
        (PageButton, "pg:mine:0:"),  # no such list
        (PageButton, "pg:open:12345678:"),  # an offset of more than 7 digits
        (PageButton, "pg:open:0:x1"),
        (PageButton, "pg:open:0:i1234567890"),
        (PageButton, "pg:open:0:kCH"),
        (PageButton, "pg:due:0:d2027030.20270331"),
        (PageButton, "pg:open:0"),
        (ProgrammePage, "prg:0:m2027"),
        (ProgrammePage, "prg:0:k"),
        (ProgrammePage, "prg:x:"),
    ],
)
def test_forged_or_foreign_data_is_not_this_kind(kind: type[Button], data: str) -> None:
    assert not kind.matches(data)


def test_a_page_button_whose_narrowing_does_not_fit_its_list_is_refused_when_pressed() -> None:
    """The shape is the button's; what it means is the list's (`ListSpec.of`), answered as expired."""
    assert ListSpec.parse("pg:open:0:d20270301.20270331") is None
    assert ListSpec.parse("pg:insp:0:o") is None
    assert ListSpec.parse("pg:over:10:o") == (ListSpec(ListName.OVERDUE, CaseFilter(overdue=True)), 10)
