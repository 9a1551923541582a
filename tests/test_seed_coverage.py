"""No deadline in the seeds is forgotten: every line with deadline wording is cited by a rule, or listed
with its reason in workflows/seed_lines_not_deadlines.toml.

A new seed line, a rule taken away or a citation changed fails here until someone decides which it is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from workflows.kinds import KINDS
from workflows.start_warnings import WARNING_SOURCES

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
REVIEWED = ROOT / "workflows" / "seed_lines_not_deadlines.toml"

#: The wording issue 13 names: working days, within, by the end of, no later than, before, and times of
#: day such as 2pm, 9:30am or 9.30am.
DEADLINE_WORDING = re.compile(
    r"working days?|\bwithin\b|\bby the end of\b|\bno later than\b|\bbefore\b"
    r"|\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)\b",
    re.IGNORECASE,
)
CITATION = re.compile(r"\b(00\d) (L\d+(?:-\d+)?(?:, L\d+(?:-\d+)?)*)")

Line = tuple[str, int]

pytestmark = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="the seeds live beside the repository, in ../shared/seeds"
)


def _seed_texts() -> dict[str, list[str]]:
    return {path.name[:3]: path.read_text(encoding="utf-8").splitlines() for path in SEEDS.glob("0*.txt")}


def _numbers(text: str) -> Iterator[int]:
    """'12, 40-42' -> 12, 40, 41, 42 (and 'L12, L40-42' the same)."""
    for part in text.replace("L", "").split(","):
        first, _, last = part.strip().partition("-")
        yield from range(int(first), int(last or first) + 1)


def cited_lines() -> set[Line]:
    """Every line a rule's source cites, every '(000 L123)' in a note or a kind's text, every warning's."""
    cited: set[Line] = set()
    for kind in KINDS.values():
        texts = [*kind.notes, kind.start_meaning]
        for rule in kind.milestones:
            cited |= {(rule.source.seed, n) for n in rule.source.lines}
            texts += rule.notes
        for text in texts:
            for seed, refs in CITATION.findall(text):
                cited |= {(seed, n) for n in _numbers(refs)}
    for source in WARNING_SOURCES:
        cited |= {(source.seed, n) for n in source.lines}
    return cited


def reviewed_lines() -> dict[Line, str]:
    """(seed, line) -> the reason it states no deadline the bot tracks."""
    data = tomllib.loads(REVIEWED.read_text(encoding="utf-8"))
    reviewed: dict[Line, str] = {}
    for entry in data["lines"]:
        assert set(entry) == {"seed", "lines", "reason"}, entry
        assert entry["reason"].strip(), entry
        for n in _numbers(entry["lines"]):
            assert (entry["seed"], n) not in reviewed, f"{entry['seed']} L{n} is listed twice"
            reviewed[(entry["seed"], n)] = entry["reason"]
    return reviewed


def deadline_lines(texts: dict[str, list[str]]) -> set[Line]:
    return {
        (seed, n)
        for seed, lines in texts.items()
        for n, line in enumerate(lines, start=1)
        if DEADLINE_WORDING.search(line)
    }


def test_every_line_with_deadline_wording_is_cited_or_reviewed() -> None:
    texts = _seed_texts()
    missing = sorted(deadline_lines(texts) - cited_lines() - set(reviewed_lines()))
    assert not missing, (
        "add a rule citing these lines, or list them with a reason in "
        + str(REVIEWED.relative_to(ROOT))
        + ":\n"
        + "\n".join(f"{seed} L{n}: {texts[seed][n - 1][:120]}" for seed, n in missing)
    )


def test_reviewed_lines_still_have_deadline_wording() -> None:
    """A line listed here that no longer matches is stale: the seed changed, so review it again."""
    texts = _seed_texts()
    stale = sorted(set(reviewed_lines()) - deadline_lines(texts))
    assert not stale, stale


def test_no_line_is_both_cited_and_reviewed() -> None:
    both = sorted(set(reviewed_lines()) & cited_lines())
    assert not both, f"cited by a rule, so take these out of {REVIEWED.name}: {both}"


def test_the_wording_matches_what_the_issue_names() -> None:
    """The pattern itself: each form of deadline wording is caught, ordinary words are not."""
    caught = [
        "within 18 working days",
        "by the end of the next working day",
        "no later than three months",
        "before 30 June",
        "shared by 2pm on the day",
        "by 9.30am on Friday",
        "by 9:30am",
        "5 working days",
    ]
    assert all(DEADLINE_WORDING.search(text) for text in caught)
    assert not any(DEADLINE_WORDING.search(text) for text in ("the day after", "beforehand", "withinside"))


def test_a_forgotten_line_would_fail() -> None:
    """Take one cited deadline line away from the rules: the check must report it."""
    texts = _seed_texts()
    forgotten = ("000", 624)  # the draft report row of the full inspection table
    assert forgotten in deadline_lines(texts)
    assert forgotten in deadline_lines(texts) - (cited_lines() - {forgotten}) - set(reviewed_lines())
