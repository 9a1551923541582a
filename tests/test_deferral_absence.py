"""An explanation resting on staff absence is warned of before Send (issue 20 item 12): none of the
deferral policy's grounds, and for a la-sif its own line (004 L35)."""

from __future__ import annotations

import pytest

from workflows.deferral import SIF_NOT_A_GROUND, STAFF_ABSENCE_NOT_A_GROUND, absence_warning

ABSENT = [
    "because our registered manager is on leave",
    "The manager is on annual leave that week",
    "Two staff are off sick",
    "Our RI is on maternity leave",
    "The deputy is ABSENT",
    "staff absence",
    "we are short-staffed",
    "short staffed over Christmas",
    "the manager is unavailable",
    "the manager is not available",
    "everyone is on holiday",
    "the manager will be on a course",
    "staff shortages",
]
NOT_ABSENT = [
    "We merge with Elm House on 20 March.",
    "A child died last week.",
    "The home is closing",
    "police investigation of the manager",
    "the roof leaves us no office",  # 'leave' only as part of another word
    "",
]


@pytest.mark.parametrize("text", ABSENT)
def test_absence_is_warned_of(text: str) -> None:
    assert absence_warning("ch-full", text) == STAFF_ABSENCE_NOT_A_GROUND
    assert absence_warning("la-sif", text) == SIF_NOT_A_GROUND


@pytest.mark.parametrize("text", NOT_ABSENT)
def test_other_explanations_are_not(text: str) -> None:
    assert absence_warning("ch-full", text) is None
    assert absence_warning("la-sif", text) is None
