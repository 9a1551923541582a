"""The one fuzzy matcher (workflows.matching): a command slip and a question's typo found alike."""

from __future__ import annotations

import pytest

from handlers.menu import KNOWN_COMMANDS
from workflows.matching import by_length, distance, most_alike, nearest


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("review", "review", 0),
        ("reveiw", "review", 1),
        ("comment", "comments", 1),
        ("draft", "drfat", 1),
        ("complant", "complaint", 1),
        ("abc", "xyz", 3),
    ],
)
def test_distance_counts_a_swap_of_neighbours_as_one_edit(a: str, b: str, edits: int) -> None:
    assert distance(a, b, 5) == edits


def test_distance_stops_once_past_the_limit() -> None:
    assert distance("programme", "x", 2) == 3
    assert distance("calendar", "timeline", 2) == 3


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("comment", "comments"),
        ("reveiw", "review"),
        ("calender", "calendar"),
        ("programe", "programme"),
        ("remindrs", "reminders"),
        ("cas", "case"),
        ("hello", None),
        ("x", None),
        ("settings", "setting"),
    ],
)
def test_a_command_slip_finds_the_command_meant(typed: str, meant: str | None) -> None:
    assert nearest(typed, KNOWN_COMMANDS, most_alike) == meant


def test_the_nearest_wins_then_the_same_first_letter_then_the_alphabet_whatever_the_order() -> None:
    words = ["bake", "cake", "lake", "cakes"]
    assert nearest("cakk", words, by_length("cakk")) == "cake"
    assert nearest("xake", words, 1) == nearest("xake", list(reversed(words)), 1) == "bake"
    assert nearest("dake", ["lake", "bake"], 1) == "bake"


def test_a_question_word_is_forgiven_one_edit_up_to_seven_letters_and_two_beyond() -> None:
    assert nearest("drfat", ["draft"], by_length("drfat")) == "draft"
    assert nearest("drfta", ["draft"], by_length("drfta")) is None
    assert nearest("complaitn", ["complaint"], by_length("complaitn")) == "complaint"
    assert nearest("compliatn", ["complaint"], by_length("compliatn")) == "complaint"
