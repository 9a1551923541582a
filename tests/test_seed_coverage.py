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

#: A count before a unit of time: "18", "three", "6 to 8", "a" (a year, once a month).
_COUNT = (
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty"
    r"|thirty|forty|sixty|ninety|several|few|couple of)"
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_ORDINAL = r"(?:minus\s+one|one|two|three|four|five|six|seven|eight|nine|ten|eleven|\d+)"

#: Every kind of time wording (issue 13, widened by issue 18 item 5), one alternative a line:
DEADLINE_WORDING = re.compile(
    "|".join(
        (
            # issue 13: working days, within, by the end of, no later than, before
            r"working days?|\bwithin\b|\bby the end of\b|\bno later than\b|\bbefore\b",
            # a time of day: 2pm, 9:30am, 9.30am
            r"\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)\b",
            # a period: 5 days, three weeks, 6 to 8 weeks, 24 hours, a 12-month period, 2 weeks' notice
            # (not day-to-day, not an age such as 17-year-olds)
            rf"\b{_COUNT}(?:\s*(?:to|-|\u2013|or)\s*{_COUNT})?[\s-]+(?:(?:full|working|calendar|school|clear)[\s-]+)?"
            r"(?:days?|weeks?|months?|years?|hours?|minutes?)\b(?!-to-)(?![\s-]*olds?\b)",
            # how often: annually, quarterly, monthly, weekly
            r"\b(?:annual(?:ly)?|quarterly|monthly|weekly|yearly|fortnightly|biannual(?:ly)?|termly)\b",
            # a weekday: by Thursday, Wednesday morning of week four
            rf"\b{_WEEKDAY}\b",
            # a numbered week or day: the end of week two, Week minus one, day 19, day two
            rf"\b(?:weeks?|days?)\s+{_ORDINAL}\b",
            # a point in a period: the end of the day, the start of the inspection, the morning of the visit
            r"\b(?:end|start|beginning|morning|afternoon)\s+of\s+(?:the\s+)?"
            r"(?:day|week|month|year|term|inspection|fieldwork|visit)\b",
            # a day relative to another: the next day, the same day, the final day, the day after
            r"\b(?:next|following|same|previous|last|final)\s+(?:working\s+)?day\b|\bday after\b",
            # a date: 8 September, 31 March, April 2014
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\s+\d{{4}}\b",
            # a moment relative to another: immediately, as soon as, shortly, after the inspection
            r"\bimmediately\b|\bwithout delay\b|\bas soon as\b|\bpromptly\b|\bshortly\b|\bat the same time\b"
            r"|\b(?:following|after)\s+(?:the\s+|each\s+|an?\s+)?"
            r"(?:inspection|visit|fieldwork|report|feedback|meeting)s?\b",
            # words that name a deadline: deadline, timescale, timeframe, timetable, overdue, due by
            r"\bdeadlines?\b|\btimescales?\b|\btime\s?frames?\b|\btimetables?\b|\boverdue\b"
            r"|\bdue\s+(?:by|on|in|within)\b",
        )
    ),
    re.IGNORECASE,
)
CITATION = re.compile(r"\b(00\d) (L\d+(?:-\d+)?(?:, L\d+(?:-\d+)?)*)")

Line = tuple[str, int]

#: The reason of the toml's group for lines other engineers are turning into rules: deleted at merge.
PENDING_RULE = "rule: issue 18 item 4x"

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
    """A line a rule now cites must leave the toml, above all the group kept for rules still being written."""
    reviewed = reviewed_lines()
    both = sorted(set(reviewed) & cited_lines())
    pending = ", ".join(f"{seed} L{n}" for seed, n in both if reviewed[(seed, n)].startswith(PENDING_RULE))
    others = ", ".join(f"{seed} L{n}" for seed, n in both if not reviewed[(seed, n)].startswith(PENDING_RULE))
    assert not both, (
        f"these lines are now cited by a rule, so delete them from {REVIEWED.name}:"
        + (f"\n  from the group '{PENDING_RULE}' (their rule has landed): {pending}" if pending else "")
        + (f"\n  with the reason they were not a deadline: {others}" if others else "")
    )


def test_the_wording_matches_what_the_issue_names() -> None:
    """The pattern itself: each form of time wording is caught, ordinary words are not."""
    caught = [
        # issue 13
        "within 18 working days",
        "by the end of the next working day",
        "no later than three months",
        "before 30 June",
        "shared by 2pm on the day",
        "by 9.30am on Friday",
        "by 9:30am",
        "5 working days",
        # issue 18 item 5
        "a return visit in 6 to 8 weeks",
        "at least once annually",
        "quarterly monitoring visits",
        "within 24 hours",
        "usually not longer than 24 hours",
        "a report every 6 months",
        "at least once a month",
        "within two years",
        "by Thursday of Week Two",
        "by the end of week two",
        "by the morning of Wednesday in Week Four",
        "Wednesday morning of week four",
        "Week minus one",
        "by 6pm on the Thursday (day 19)",
        "Days 25-27",
        "at the end of day 1",
        "at the start of the inspection",
        "the next day",
        "the day after",
        "registered between 1 April and 30 September",
        "from April 2014",
        "2 weeks' notice",
        "a 12-month period",
        "the completion timescales have passed",
        "the deadline for submissions",
        "notify Ofsted without delay",
        "contact Ofsted immediately",
        "following the inspection",
        "at the same time as the draft report",
    ]
    missed = [text for text in caught if not DEADLINE_WORDING.search(text)]
    assert not missed, missed
    ordinary = [
        "beforehand",
        "withinside",
        "day-to-day needs",
        "16 and 17 year olds",
        "their daily lives",
        "weekend",
    ]
    wrongly = [text for text in ordinary if DEADLINE_WORDING.search(text)]
    assert not wrongly, wrongly


def test_a_forgotten_line_would_fail() -> None:
    """Take one cited deadline line away from the rules: the check must report it."""
    texts = _seed_texts()
    forgotten = ("000", 624)  # the draft report row of the full inspection table
    assert forgotten in deadline_lines(texts)
    assert forgotten in deadline_lines(texts) - (cited_lines() - {forgotten}) - set(reviewed_lines())


def test_a_forgotten_line_of_the_wider_wording_would_fail() -> None:
    """The same for a line only the wider wording catches: a weekday of a week, no 'working days'."""
    texts = _seed_texts()
    forgotten = ("004", 1018)  # 'Week One (Thursday am)': when child-level data list 2 is due
    assert texts["004"][1017].strip() == "Week One (Thursday am)"
    assert forgotten in deadline_lines(texts) - (cited_lines() - {forgotten}) - set(reviewed_lines())
