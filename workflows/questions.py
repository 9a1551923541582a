"""Matching questions typed in plain words to what the person wants.

"When is the draft due?", "when do my comments have to be in?", "what's the complaint deadline for #12?",
"is anything overdue?". The chat handlers call `parse_question()` and either answer (when the result is
`confident`) or offer the candidate milestones as buttons rather than guess.

How it works, deliberately simple so that the vocabulary can be read and tested:

1. a case reference ("#12", "case 12", "case no. 12") is taken out of the text;
2. the rest is lower-cased and split into words; plurals lose their "s"; a word that is not known is
   corrected to a vocabulary word within a small edit distance (1 for words of 5 to 7 letters, 2 for 8+);
3. phrases from `PHRASES` are found among the words, longest first, so "draft report" wins over "report"
   and "comments on the draft" over "draft" (phrases of equal length in table order); each phrase gives
   one or more milestone keys a weight;
4. a key's score is the best weight any of its phrases gave it (less 10% for each corrected word);
5. when no milestone is mentioned, simpler word lists decide between overdue, next, cases and help.

Before the milestones, "how do I complain?" and "can I defer?" are read; "when is the inspection?" wins
over a bare "visit" (which alone only hints at a return or compliance visit). When no milestone is
mentioned, "what do I need to do?" is TODO, and a span of days ("what's due in March?", "...on 1/4/2027?",
"...in the next 2 weeks?") is WEEK or PERIOD, its days worked out from the `today` given (`read_period`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from workflows.calendar import WorkingCalendar
from workflows.dates import (
    FIRST_YEAR,
    LAST_YEAR,
    MONTH_NAMES,
    MONTH_WORDS,
    WEEKDAY_NAMES,
    WEEKDAY_WORDS,
    find_date,
    format_date,
)
from workflows.errors import DateParseError
from workflows.matching import by_length, nearest


class Intent(StrEnum):
    """What the person wants, as far as the words tell."""

    DEADLINE = "deadline"  # when is a given milestone due
    OVERDUE = "overdue"  # is anything late
    WEEK = "week"  # what is due this week (week 0) or next week (week 1), across cases: `period` says when
    PERIOD = "period"  # what is due in a span of days (today, in March, on 1/4/2027...): `period` says which
    INSPECTION = "inspection"  # when is the inspection visit
    DEFER = "defer"  # can I defer (until when, or why not)
    TODO = "todo"  # what do I need to do: /help's "What you can do now"
    NEXT = "next"  # what is coming up
    CASES = "cases"  # list my cases
    HELP = "help"  # what can the bot do
    COMPLAIN = "complain"  # how to complain: the procedure's steps and the window, not only its date
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Period:
    """The days a question asks about, first to last (both included), and how the question named them."""

    first: date
    last: date
    name: str  # "today", "this week", "in March 2027", "on Thursday 1 April 2027", "in the next 2 weeks"


@dataclass(frozen=True)
class Match:
    """A candidate milestone key and how sure we are that it is meant (0..1)."""

    key: str
    score: float


@dataclass(frozen=True)
class Question:
    """The reading of one message.

    `matches` holds, for DEADLINE, the candidate keys best first (only keys from `available_keys` when
    that was given, or `narrowed()` was). `unavailable` holds keys the words pointed at that the case's
    kind does not have (e.g. a complaint deadline for a local authority inspection), so the handler can
    say so instead of offering nothing.
    """

    intent: Intent
    case_ref: int | None
    matches: tuple[Match, ...]
    confident: bool
    unavailable: tuple[str, ...] = ()
    week: int | None = None  # WEEK: 0 this week, 1 next week
    # What `narrowed()` needs to narrow again without reading the text again: every candidate the words
    # pointed at, best first (None: not narrowed, so `matches` are all of them), and whether the message
    # had too many words to be sure of.
    every_match: tuple[Match, ...] | None = None
    too_long: bool = False
    # WEEK and PERIOD: the days asked about, when `parse_question` was given today (None otherwise).
    period: Period | None = None
    # Why the question can't be answered as written (a date that can't be one): said back as it is.
    problem: str = ""

    @property
    def best(self) -> str | None:
        """The best candidate key, or None."""
        return self.matches[0].key if self.matches else None

    def narrowed(self, available_keys: Collection[str]) -> Question:
        """This reading limited to a case's milestone keys: what `parse_question(text, available_keys)`
        gives for the same text, without reading it again (a handler reads the text before it knows the
        case). Always from every candidate, so narrowing twice is narrowing once with the last keys.

        Filtering the ordered matches keeps their order: `_order` sorts every key by its unrounded score,
        then rank, then name (a total order), so any subset comes out in the order it had among all.
        """
        if self.intent is not Intent.DEADLINE:
            return self
        every = self.matches if self.every_match is None else self.every_match
        allowed = set(available_keys)
        matches = tuple(m for m in every if m.key in allowed)
        return replace(
            self,
            matches=matches,
            confident=_is_clear(matches) and not self.too_long,
            unavailable=tuple(m.key for m in every if m.key not in allowed),
            every_match=every,
        )


# Every milestone key of every kind (timelines.md, and the extra keys workflows/kinds.py uses), in rough
# chronological order: used to order ties.
MILESTONE_KEYS: tuple[str, ...] = (
    "notice",
    "notification",
    "annex_a_form",
    "annex_a",
    "case_audits",
    "dcs_email",
    "ofsted_contact",
    "evidence_upload",
    "case_review",
    "draft_qa",
    "draft_report",
    "provider_comments",
    "final_report",
    "complaint_window",
    "complaint_response",
    "prepublication_report",
    "publication",
    "evidence_notebooks",
    "improvement_plan",
    "return_visit",
    "monitoring_visit_1",
    "monitoring_visit_2",
    "monitoring_visit_3",
    "monitoring_visit_4",
    "monitoring_visit_5",
    "monitoring_visit_6",
    "reinspection",
    "compliance_visit",
    "second_inspection",
    "full_inspection_by_june",
    "first_inspection_after_manager_left",
    "next_inspection",
    "return_inspection",
    "child_data_on_arrival",
    "child_data_lists_8_11",
    "missing_children_overview",
    "sea_week_one",
    "child_data_list_2",
    "child_data_stage_2_lists_4_7",
    "child_data_remainder",
    "observation_list",
    "tracked_cases_named",
    "consents",
    "tracked_case_documents",
    "childrens_home_visits",
    "sea_complete",
    "category_one_response",
    "final_report_agreed",
    "final_report_qar",
    "final_report_regional_director",
    "final_report_cleared",
    "action_plan",
)


def _wordset(text: str) -> frozenset[str]:
    """A set of words written as one string, to keep long word lists readable."""
    return frozenset(text.split())


# Phrase -> (key, weight) senses. 1.0: the phrase names the milestone. Below 0.5 on its own never
# answers without asking. A phrase with no senses only swallows its words ("final feedback" is not
# the final report). Phrases are normalised like the text (filler words dropped, plurals singular),
# so "comments on the draft" is written here as it reads.
PHRASES: dict[str, tuple[tuple[str, float], ...]] = {
    # draft report
    "draft": (("draft_report", 1.0),),
    "draft report": (("draft_report", 1.0),),
    "first draft": (("draft_report", 1.0),),
    # the draft going to internal quality assurance (COVID visits)
    "quality assurance": (("draft_qa", 0.9),),
    "qa": (("draft_qa", 0.8),),
    "draft qa": (("draft_qa", 1.0),),
    "draft for qa": (("draft_qa", 1.0),),
    "qa of the draft": (("draft_qa", 1.0),),
    "quality assurance of the draft": (("draft_qa", 1.0),),
    # the provider's comments on the draft (factual accuracy)
    "comment": (("provider_comments", 1.0),),
    "commenting": (("provider_comments", 1.0),),
    "commented": (("provider_comments", 1.0),),
    "comments on the draft": (("provider_comments", 1.0),),
    "comment on the draft report": (("provider_comments", 1.0),),
    "draft comments": (("provider_comments", 1.0),),
    "draft report comments": (("provider_comments", 1.0),),
    "respond to the draft": (("provider_comments", 1.0),),
    "response to the draft": (("provider_comments", 1.0),),
    "reply to the draft": (("provider_comments", 1.0),),
    "feedback on the draft": (("provider_comments", 0.8),),
    "factual accuracy": (("provider_comments", 1.0),),
    "accuracy": (("provider_comments", 0.8),),
    "deadline for comments": (("provider_comments", 1.0),),
    "date for comments": (("provider_comments", 1.0),),
    # "the report goes to the provider for comments" is the draft; "how long for comments" is not
    "for comments": (("draft_report", 0.8), ("provider_comments", 0.8)),
    # final report
    "final report": (("final_report", 1.0), ("prepublication_report", 0.6), ("publication", 0.4)),
    "final": (("final_report", 0.9), ("prepublication_report", 0.45)),
    "final version": (("final_report", 0.9),),
    "final feedback": (),
    # complaints
    "complaint": (("complaint_window", 1.0),),
    "complain": (("complaint_window", 1.0),),
    "complaining": (("complaint_window", 1.0),),
    "formal complaint": (("complaint_window", 1.0),),
    "complaint window": (("complaint_window", 1.0),),
    "complaint response": (("complaint_response", 1.0),),
    "response to the complaint": (("complaint_response", 1.0),),
    "complaint answered": (("complaint_response", 1.0),),
    "appeal": (("complaint_window", 0.45),),
    "unhappy": (("ofsted_contact", 0.45), ("complaint_window", 0.45)),
    # publication
    "publication": (("publication", 1.0),),
    "published": (("publication", 1.0),),
    "publish": (("publication", 1.0),),
    "publishing": (("publication", 1.0),),
    "go live": (("publication", 0.9),),
    "goes live": (("publication", 0.9),),
    "on the website": (("publication", 0.9),),
    "made public": (("publication", 0.9),),
    "prepublication": (("prepublication_report", 1.0),),
    "prepublication report": (("prepublication_report", 1.0),),
    # "report" alone could be any of these: ask unless the kind narrows it
    "report": (
        ("draft_report", 0.6),
        ("final_report", 0.6),
        ("publication", 0.5),
        ("prepublication_report", 0.5),
    ),
    # evidence
    "evidence": (("evidence_upload", 0.9), ("evidence_notebooks", 0.6)),
    "evidence upload": (("evidence_upload", 1.0),),
    "upload": (("evidence_upload", 0.8),),
    "uploaded": (("evidence_upload", 0.8),),
    "uploading": (("evidence_upload", 0.8),),
    "handwritten notes": (("evidence_upload", 1.0),),
    "notes": (("evidence_upload", 0.6),),
    "evidence notebooks": (("evidence_notebooks", 1.0), ("evidence_upload", 0.5)),
    "notebooks": (("evidence_notebooks", 0.9),),
    # after an inadequate judgement or serious concerns
    "case review": (("case_review", 1.0),),
    "review": (("case_review", 0.6),),
    "debrief": (("case_review", 0.7),),
    "inadequate": (("case_review", 0.45), ("return_visit", 0.45)),
    "serious concerns": (("case_review", 0.45), ("dcs_email", 0.45)),
    "widespread concerns": (("case_review", 0.45), ("dcs_email", 0.45)),
    "dcs email": (("dcs_email", 1.0),),
    "email the dcs": (("dcs_email", 1.0),),
    "tell the dcs": (("dcs_email", 0.9),),
    "email": (("dcs_email", 0.45),),
    "dcs": (("dcs_email", 0.4),),
    # visits after an inadequate judgement or a compliance notice. There is no "monitoring visit" key: the
    # return visit after an inadequate judgement is a monitoring visit or a full inspection, and the visit
    # that checks a compliance notice is one too, so the words point at both and the case decides
    # (handlers narrow to the milestones the case has now).
    "return visit": (("return_visit", 1.0),),
    "reinspect": (("reinspection", 0.9), ("return_visit", 0.7)),
    "reinspected": (("reinspection", 0.9), ("return_visit", 0.7)),
    "reinspection": (("reinspection", 0.9), ("return_visit", 0.7)),
    "revisit": (("return_visit", 0.7), ("compliance_visit", 0.5)),
    "come back": (("return_visit", 0.6), ("compliance_visit", 0.45)),
    "visit": (("return_visit", 0.5), ("compliance_visit", 0.45)),
    "monitoring visit": (("compliance_visit", 0.9), ("return_visit", 0.7), ("monitoring_visit_1", 0.6)),
    "monitoring": (("compliance_visit", 0.7), ("return_visit", 0.5), ("monitoring_visit_1", 0.45)),
    # an inadequate local authority's quarterly monitoring visits (la-sif)
    **{
        f"{nth} monitoring visit": ((f"monitoring_visit_{n}", 1.0),)
        for n, nth in enumerate(("first", "second", "third", "fourth", "fifth", "sixth"), start=1)
    },
    **{f"monitoring visit {n}": ((f"monitoring_visit_{n}", 1.0),) for n in range(1, 7)},
    "compliance notice": (("compliance_visit", 1.0),),
    "compliance date": (("compliance_visit", 1.0),),
    "compliance visit": (("compliance_visit", 1.0),),
    # notice of an announced inspection ("notice"), or the notification call itself ("notification")
    "notice": (("notice", 0.9), ("notification", 0.6)),
    "notice period": (("notice", 1.0),),
    "notified": (("notice", 0.8), ("notification", 0.8)),
    "notify": (("notice", 0.8), ("notification", 0.8)),
    "notification": (("notification", 0.8), ("notice", 0.8)),
    "notification call": (("notification", 1.0), ("notice", 0.6)),
    "announcement call": (("notification", 1.0), ("notice", 0.6)),
    "been notified": (),
    "just notified": (),
    "after notification": (),
    # contacting Ofsted the working day after
    "contact ofsted": (("ofsted_contact", 1.0),),
    "ofsted contact": (("ofsted_contact", 1.0),),
    "informal concerns": (("ofsted_contact", 0.9),),
    "raise concerns": (("ofsted_contact", 0.8),),
    # Annex A: the COVID visit form, or the local authority's data lists
    "annex a form": (("annex_a_form", 1.0), ("annex_a", 0.7)),
    "annex a": (("annex_a", 0.9), ("annex_a_form", 0.8)),
    # local authority
    "audit": (("case_audits", 0.9),),
    "case audit": (("case_audits", 1.0),),
    "case file audit": (("case_audits", 1.0),),
    "file audit": (("case_audits", 1.0),),
    "improvement plan": (("improvement_plan", 1.0),),
    "action plan": (("improvement_plan", 1.0), ("action_plan", 0.6)),
    "inadequate action plan": (("action_plan", 1.0),),
    "action plan after an inadequate": (("action_plan", 1.0),),
    # inspections that follow a judgement, or a manager leaving (children's homes, adoption agencies)
    "second inspection": (("second_inspection", 1.0),),
    "before june": (("full_inspection_by_june", 1.0),),
    "by june": (("full_inspection_by_june", 0.9),),
    "manager left": (("first_inspection_after_manager_left", 1.0),),
    "manager leaving": (("first_inspection_after_manager_left", 1.0),),
    "next inspection": (("next_inspection", 1.0),),
    "return inspection": (("return_inspection", 1.0),),
    # local authority: child-level data, lists, consents and sign-off (SIF)
    "data on arrival": (("child_data_on_arrival", 1.0),),
    "child level data": (("child_data_on_arrival", 0.7), ("child_data_remainder", 0.7)),
    "fields 8 to 11": (("child_data_lists_8_11", 1.0),),
    "list 2": (("child_data_list_2", 1.0),),
    "stage 2 lists": (("child_data_stage_2_lists_4_7", 1.0),),
    "rest of the child level data": (("child_data_remainder", 1.0),),
    "observation list": (("observation_list", 1.0),),
    "practice to observe": (("observation_list", 1.0),),
    "consent": (("consents", 1.0),),
    "children home visit": (("childrens_home_visits", 1.0),),
    "category one": (("category_one_response", 1.0),),
    "missing children overview": (("missing_children_overview", 1.0),),
    "summary of evidence": (("sea_complete", 0.9), ("sea_week_one", 0.7)),
    "sea entries": (("sea_complete", 0.9), ("sea_week_one", 0.7)),
    "sea week one": (("sea_week_one", 1.0),),
    "cases to track": (("tracked_cases_named", 1.0),),
    "tracked case documents": (("tracked_case_documents", 1.0),),
    "report agreed": (("final_report_agreed", 1.0),),
    "quality assurance review": (("final_report_qar", 1.0),),
    "regional director": (("final_report_regional_director", 1.0),),
    "report cleared": (("final_report_cleared", 1.0),),
    "plan": (("improvement_plan", 0.7),),
}

# Words that carry no meaning for matching; dropping them lets "comments on the draft" match
# "comment on draft".
FILLER: frozenset[str] = _wordset(
    """the a an my our your their its his her this that these those to of on in into at with is are be
    was were will would can could should shall do does did i we you me us it and or please"""
)

# Intent words, looked for among all the words (filler included) when no milestone is mentioned.
OVERDUE_WORDS: frozenset[str] = _wordset("overdue late missed miss behind lapsed expired")
OVERDUE_SEQUENCES: tuple[tuple[str, ...], ...] = (("past", "due"),)
NEXT_WORDS: frozenset[str] = _wordset("next due upcoming deadline todo pending timeline schedule status")
NEXT_SEQUENCES: tuple[tuple[str, ...], ...] = (
    ("coming", "up"),
    ("to", "do"),
    ("need", "to"),
    ("you", "need"),
    ("have", "to"),
    ("got", "to"),
)
CASES_RAW_WORDS: frozenset[str] = frozenset({"cases", "caseload"})
CASES_SEQUENCES: tuple[tuple[str, ...], ...] = (
    *((w, "case") for w in ("my", "list", "show", "all", "which", "open")),
    ("case", "list"),
)
WEEK_SEQUENCES: dict[tuple[str, ...], int] = {
    ("this", "week"): 0,
    ("the", "week"): 0,
    ("next", "week"): 1,
    ("coming", "week"): 1,
}
HELP_WORDS: frozenset[str] = frozenset({"help", "command", "menu", "instruction"})
HELP_SEQUENCES: tuple[tuple[str, ...], ...] = (
    ("can", "you", "do"),
    ("does", "this", "work"),
    ("how", "do", "i", "use"),
)

# "How do I complain?": a complaint word, a way-of-doing-it phrase, and no word asking when ("how long do
# I have to complain?" and "when can I complain?" ask for the window's date: a deadline question).
COMPLAIN_WORDS: frozenset[str] = _wordset("complain complaint complaining")
HOW_WORDS: frozenset[str] = _wordset("procedure process step")
HOW_SEQUENCES: tuple[tuple[str, ...], ...] = (
    *(("how", w) for w in ("do", "can", "to", "should", "would", "shall")),
    *((w, "do") for w in ("where", "who")),
    ("where", "can"),
    ("where", "to"),
    ("who", "to"),
    ("want", "to"),
)
WHEN_WORDS: frozenset[str] = _wordset("when deadline date long until window last latest")

# Real words that sit one edit away from a vocabulary word and must not be "corrected" into it
# ("moment" is not "comment", "noticed" is not "notice").
NOT_TYPOS: frozenset[str] = _wordset(
    """accurate adequate appear audio commence commenced commencing commend compliant craft deport drift
    duplication graft headline inspected later latest mentoring modification moment noticed
    novice overdo preview punishing repost resort respected retort reviewed reviewer"""
)

CONFIDENT_SCORE = 0.5  # the best candidate needs at least this...
CONFIDENT_MARGIN = 0.25  # ...and this much more than the next one, to answer without asking
TYPO_PENALTY = 0.9  # each corrected word multiplies the phrase's weight by this
MAX_CONFIDENT_WORDS = 30  # a longer message is not a question we can be sure about
MAX_CHARS = 4096  # Telegram's limit for one message; anything longer is cut, not parsed
_EPSILON = 1e-9

_CASE_REF = re.compile(r"(?:\bcase\s*(?:no\.?|number|num\.?)?\s*#?\s*|#\s*)(\d{1,9})\b")
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u2018\u2019\u02bc`']"), ""),  # "what's" -> "whats": apostrophes carry nothing here
    (re.compile(r"\bannex\s*a\b"), "annexa"),
    (re.compile(r"\bpre[\s\-]*publication\b"), "prepublication"),
    (re.compile(r"\bre[\s\-]+(inspect\w*|visit\w*)"), r"re\1"),
    (re.compile(r"\be[\s\-]mail"), "email"),
    (re.compile(r"\bto[\s\-]do\b"), "todo"),
)
_WORD = re.compile(r"[a-z0-9]+")


def _singular(word: str) -> str:
    """Drop a plural "s" so "comments" and "comment" are one word (crude, but enough here)."""
    if len(word) >= 5 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    """Lower-case words with the spelling rewrites applied; apostrophes and punctuation dropped."""
    text = text.lower()
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return _WORD.findall(text)


def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as the matcher sees it: singular, without filler words."""
    return tuple(_singular(w) for w in _words(phrase) if w not in FILLER)


_PHRASE_TABLE: tuple[tuple[tuple[str, ...], tuple[tuple[str, float], ...]], ...] = tuple(
    sorted(
        ((_phrase_words(p), senses) for p, senses in PHRASES.items()),
        key=lambda item: -len(item[0]),
    )
)
assert all(words for words, _ in _PHRASE_TABLE), "a phrase of filler words only would match anywhere"
#: Where in _PHRASE_TABLE the phrases beginning with each word are: a question tries only the phrases
#: its own words begin (a few of the 147), in the table's order (issue 23: CPU per update).
_PHRASES_BY_FIRST: dict[str, tuple[int, ...]] = {}
for _at, (_phrase, _) in enumerate(_PHRASE_TABLE):
    _PHRASES_BY_FIRST[_phrase[0]] = (*_PHRASES_BY_FIRST.get(_phrase[0], ()), _at)
_VOCABULARY: frozenset[str] = frozenset(w for words, _ in _PHRASE_TABLE for w in words) | frozenset(
    {"overdue", "upcoming", "deadline", "caseload"}
)
_TYPO_TARGETS: tuple[str, ...] = tuple(sorted(w for w in _VOCABULARY if len(w) >= 5 and w.isalpha()))


@lru_cache(maxsize=4096)
def _correct(word: str) -> str | None:
    """The vocabulary word a typo most likely stands for, or None when it is not a near miss.

    Remembered per word: a word outside the vocabulary is compared with every target (about 0.5 ms for
    "anything"), and people ask with the same few words again and again."""
    if len(word) < 5 or not word.isalpha() or word in _VOCABULARY or word in NOT_TYPOS or word in FILLER:
        return None
    return nearest(word, _TYPO_TARGETS, by_length(word))


@dataclass(frozen=True)
class _Token:
    word: str
    corrected: bool


def _tokens(words: Iterable[str]) -> list[_Token]:
    """Singular words with typos corrected, remembering which were corrected."""
    result: list[_Token] = []
    for raw in words:
        word = _singular(raw)
        fixed = _correct(word)
        result.append(_Token(fixed, True) if fixed else _Token(word, False))
    return result


def _contains(words: Sequence[str], sequence: Sequence[str]) -> bool:
    """Whether `sequence` occurs in `words` as consecutive words."""
    n = len(sequence)
    return any(tuple(words[i : i + n]) == tuple(sequence) for i in range(len(words) - n + 1))


def _score_milestones(tokens: Sequence[_Token]) -> dict[str, float] | None:
    """Scores per milestone key from the phrases found, longest first; None when no phrase is found."""
    content = [t for t in tokens if t.word not in FILLER]
    words = [t.word for t in content]
    used = [False] * len(words)
    # Where each word is: a phrase is only tried where its first word is (the phrases are many, the
    # words of a question few), in the same order as trying every start.
    starts: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        starts.setdefault(word, []).append(i)
    scores: dict[str, float] = {}
    found = False
    tried = sorted(at for word in starts for at in _PHRASES_BY_FIRST.get(word, ()))
    for phrase, senses in (_PHRASE_TABLE[at] for at in tried):
        n = len(phrase)
        for start in starts.get(phrase[0], ()):
            span = range(start, start + n)
            if tuple(words[start : start + n]) != phrase or any(used[i] for i in span):
                continue
            for i in span:
                used[i] = True
            found = found or bool(senses)
            penalty = TYPO_PENALTY ** sum(content[i].corrected for i in span)
            for key, weight in senses:
                scores[key] = max(scores.get(key, 0.0), weight * penalty)
    return scores if found else None


def _order(scores: dict[str, float]) -> tuple[Match, ...]:
    """Best first; ties in the order milestones usually happen."""
    rank = {key: i for i, key in enumerate(MILESTONE_KEYS)}
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(rank)), kv[0]))
    return tuple(Match(key, round(score, 3)) for key, score in ordered)


def _is_clear(matches: Sequence[Match]) -> bool:
    """A clear best: strong enough, and well ahead of the runner-up."""
    if not matches or matches[0].score < CONFIDENT_SCORE - _EPSILON:
        return False
    return len(matches) == 1 or matches[0].score - matches[1].score >= CONFIDENT_MARGIN - _EPSILON


def case_ref_of(text: str) -> int | None:
    """The case a question names by number ("#12", "case 12"), as `parse_question` reads it: for
    `bot.polling`, which reads that case with the inbox's write (issue 23)."""
    return _case_ref(text[:MAX_CHARS].lower())[0]


def _case_ref(text: str) -> tuple[int | None, str]:
    """The first case reference ("#12", "case 12") and the text without it."""
    found = _CASE_REF.search(text)
    if found is None:
        return None, text
    return int(found.group(1)), text[: found.start()] + " " + text[found.end() :]


def _other_intent(raw: Sequence[str], words: Sequence[str]) -> Intent:
    """Overdue, next, cases or help from word lists, when no milestone was mentioned."""
    if any(w in OVERDUE_WORDS for w in words) or any(_contains(words, s) for s in OVERDUE_SEQUENCES):
        return Intent.OVERDUE
    if any(w in NEXT_WORDS for w in words) or any(_contains(words, s) for s in NEXT_SEQUENCES):
        return Intent.NEXT
    if any(w in CASES_RAW_WORDS for w in raw) or any(_contains(words, s) for s in CASES_SEQUENCES):
        return Intent.CASES
    if any(w in HELP_WORDS for w in words) or any(_contains(words, s) for s in HELP_SEQUENCES):
        return Intent.HELP
    return Intent.UNKNOWN


def _asks_how_to_complain(words: Sequence[str]) -> bool:
    """'How do I complain?', 'what's the complaints procedure?', but not 'when can I complain?'."""
    if not any(w in COMPLAIN_WORDS for w in words) or any(w in WHEN_WORDS for w in words):
        return False
    return any(w in HOW_WORDS for w in words) or any(_contains(words, s) for s in HOW_SEQUENCES)


# --- time in plain words -------------------------------------------------------------------------------
#
# "What's due tomorrow?", "...in March?", "...on 1/4/2027?", "...in the next 2 weeks?": a span of days,
# read from the text as typed (before typo correction) and worked out from `today`. A week runs Monday to
# Sunday; "this week" is from today to Sunday, but on a Saturday or Sunday it is the coming week (the week
# that is left is a day or two with no working day in it), and so is "next week". Spans that have begun run
# from today: what was due before today and not done is "overdue", asked separately.

#: Month and weekday words, the same ones a typed date is read with (workflows.dates).
_MONTH_WORDS = MONTH_WORDS
_WEEKDAY_WORDS = WEEKDAY_WORDS
#: Numbers people write as words in "the next two weeks".
_NUMBER_WORDS: dict[str, int] = {
    word: n
    for n, word in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        )
    )
} | {"a": 1, "an": 1, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3}
#: The longest span a question may ask about, in days (a question about years is not a question of the
#: day: it gets the clear message below rather than a list of everything).
MAX_PERIOD_DAYS = 400

_MONTH_RE = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True))
_NUMBER_RE = r"\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT_RE = r"(working\s+days?|business\s+days?|days?|weeks?|fortnights?|months?)"
_P = re.compile  # the patterns below, on the lower-cased text with apostrophes dropped

_TODAY = _P(r"\b(today|tonight|this\s+(?:morning|afternoon|evening))\b")
_AFTER_TOMORROW = _P(r"\bday\s+after\s+(?:tomorrow|tmrw|tomorow)\b")
_TOMORROW = _P(r"\b(tomorrow|tmrw|tomorow|tommorow|tommorrow)\b")
_NEXT_N = _P(
    rf"\b(?:in|within|over|during|for)?\s*(?:the\s+)?(?:next|coming|following)\s+({_NUMBER_RE})\s+{_UNIT_RE}"
    rf"|\b(?:in|within)\s+(?:the\s+)?({_NUMBER_RE})\s+{_UNIT_RE}"
    rf"|\b(?:in|within|over|during)\s+(?:the\s+)?(?:next|coming)\s+"
    r"(fortnight|few\s+days|(?<=next )week|(?<=next )month)\b"
    rf"|\b(?:next|coming)\s+(fortnight)\b"
)
_WEEKEND = _P(r"\b(?:this|the|next|coming)\s+weekend\b|\bat\s+the\s+weekend\b")
_THIS_WEEK = _P(
    r"\b(?:this|the|current)\s+(?:coming\s+)?week\b|\bend\s+of\s+(?:the\s+)?week\b|\bthis\s+wk\b"
    r"|\bweek\s+ahead\b"
)
_NEXT_WEEK = _P(r"\bnext\s+week\b|\bnext\s+wk\b|\bfollowing\s+week\b|(?<!this )\bcoming\s+week\b")
_WEEK_AFTER_NEXT = _P(r"\bweek\s+after\s+next\b")
_THIS_MONTH = _P(r"\b(?:this|the|current)\s+month\b|\bend\s+of\s+(?:the\s+)?month\b")
_NEXT_MONTH = _P(r"\bnext\s+month\b|\bfollowing\s+month\b|\bmonth\s+ahead\b")
_THIS_YEAR = _P(r"\b(?:this|the)\s+year\b|\bend\s+of\s+(?:the\s+)?year\b")
#: A month named with a word before it ("in March", "by may") or a year after it ("March 2027"); a bare
#: full name too, except "may" (a verb), and short forms only with a word before or a year after.
_MONTH = _P(
    rf"\b(?:(?P<prep>in|during|for|by|before|until|till|through|throughout|over|of|from|across)\s+)?"
    rf"(?P<month>{_MONTH_RE})\.?(?:\s+(?P<year>\d{{4}}))?\b"
)
_WEEKDAY = _P(rf"\b(?P<which>this|next|on|by|before|until|till|coming)?\s*(?P<day>{_WEEKDAY_RE})\b")
#: A day and month with no year: "on 1 March", "1st April", "1/4".
_DAY_MONTH = _P(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH_RE})\b(?!\s+\d)"
    rf"|\b(?P<month2>{_MONTH_RE})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*\d)"
    r"|(?<![\d/.-])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/.-])"
)
_BY = _P(r"\b(?:by|before|until|till|up\s+to|no\s+later\s+than)\s*$")
_BEFORE = _P(r"\bbefore\s*$")
_BETWEEN = _P(r"\b(?:between|from)\s*$")


def _number(text: str) -> int:
    text = " ".join(text.split())
    return int(text) if text.isdigit() else _NUMBER_WORDS[text]


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _from_today(first: date, last: date, today: date) -> date:
    """A span that has begun runs from today (what was due before is overdue, not due)."""
    return max(first, today) if first <= today <= last else first


def week_of(today: date, weeks_ahead: int) -> tuple[date, date]:
    """This week (0) or a later one: Monday to Sunday, this week from today. On a Saturday or Sunday the
    week left has no working day, so this week is the coming one, and next week is it too (people say
    either on a Sunday evening and mean the days ahead)."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() >= 5:
        monday += timedelta(weeks=1)
        weeks_ahead = max(0, weeks_ahead - 1)
    monday += timedelta(weeks=weeks_ahead)
    return max(monday, today), monday + timedelta(days=6)


def _month_period(year: int, month: int, today: date, name: str = "") -> Period:
    first, last = date(year, month, 1), _month_end(year, month)
    return Period(
        _from_today(first, last, today), last, name or f"in {MONTH_NAMES[month - 1].title()} {year}"
    )


def _next_month_named(month: int, today: date) -> int:
    """The year of the next `month` to come: this year's if it has not ended, else next year's."""
    return today.year if month >= today.month else today.year + 1


def _day_no_year(day: int, month: int, today: date) -> date | None:
    """'1 March', '1/4': the next such day from today (this year's, or next year's once it is past)."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def _upto(day: date, today: date, text_before: str, name: str) -> Period:
    """'on 1/4/2027' is that day; 'by 1/4/2027' from today to it; 'before 1/4/2027' to the day before."""
    if _BY.search(text_before) and day >= today:
        last = day - timedelta(days=1) if _BEFORE.search(text_before) else day
        word = "before" if _BEFORE.search(text_before) else "by"
        return Period(today, max(today, last), f"{word} {format_date(day)}")
    return Period(day, day, name)


def _dated(text: str, today: date) -> Period | None:
    """A written date: one day, 'by' one, or 'between' two. Raises DateParseError for an impossible one."""
    found = find_date(text, today)
    if found is not None:
        day, start, end = found
        again = find_date(text[end:], today)
        if again is not None and (
            _BETWEEN.search(text[:start])
            or re.search(r"\b(?:and|to|until|till|-)\s*$", text[end : end + again[1]])
        ):
            other = again[0]
            first, last = min(day, other), max(day, other)
            return Period(first, last, f"from {format_date(first)} to {format_date(last)}")
        return _upto(day, today, text[:start], f"on {format_date(day)}")
    match = _DAY_MONTH.search(text)
    if match is not None:
        if match["d"]:
            day_n, month_n = int(match["d"]), int(match["m"])
        elif match["day"]:
            day_n, month_n = int(match["day"]), _MONTH_WORDS[match["month"]]
        else:
            day_n, month_n = int(match["day2"]), _MONTH_WORDS[match["month2"]]
        if not 1 <= month_n <= 12:
            raise DateParseError(f"I couldn't read '{match[0]}' as a date. Try 3/3/2026 or 3 March 2026.")
        next_day = _day_no_year(day_n, month_n, today)
        if next_day is None:
            raise DateParseError(f"I couldn't read '{match[0]}' as a date. Try 3/3/2026 or 3 March 2026.")
        return _upto(next_day, today, text[: match.start()], f"on {format_date(next_day)}")
    return None


def _weekday(match: re.Match[str], today: date) -> Period:
    """'on Friday', 'this Friday': the next such day (today, if it is today); 'next Friday' the one after
    today; 'by Friday' from today to it."""
    wanted = _WEEKDAY_WORDS[match["day"]]
    ahead = (wanted - today.weekday()) % 7
    if match["which"] == "next" and ahead == 0:
        ahead = 7
    day = today + timedelta(days=ahead)
    if match["which"] in ("by", "until", "till", "before"):
        last = day - timedelta(days=1) if match["which"] == "before" else day
        return Period(today, max(today, last), f"{match['which']} {format_date(day)}")
    return Period(day, day, f"on {format_date(day)}")


def _next_n(match: re.Match[str], today: date, calendar: WorkingCalendar | None) -> Period | None:
    count_text = match[1] or match[3]
    unit = (match[2] or match[4] or match[5] or match[6] or "").split()
    if count_text is None:  # "the next fortnight", "the next few days", "within the next week"
        count, unit = (3, ["days"]) if unit and unit[0] == "few" else (1, unit)
    else:
        count = _number(count_text)
    if count <= 0:
        return None
    head = unit[0]
    if head in ("working", "business"):
        if calendar is None:
            last = today + timedelta(days=count * 7 // 5 + 2)
        else:
            last = calendar.add_working_days(today, count)
        word = "working day" if count == 1 else "working days"
    elif head.startswith("fortnight"):
        last, word = today + timedelta(days=14 * count), "fortnight" if count == 1 else "fortnights"
    elif head.startswith("week"):
        last, word = today + timedelta(weeks=count), "week" if count == 1 else "weeks"
    elif head.startswith("month"):
        month = today.month - 1 + count
        year, month = today.year + month // 12, month % 12 + 1
        last = date(year, month, min(today.day, _month_end(year, month).day))
        word = "month" if count == 1 else "months"
    else:
        last, word = today + timedelta(days=count), "day" if count == 1 else "days"
    return Period(today, last, f"in the next {word}" if count == 1 else f"in the next {count} {word}")


def read_period(text: str, today: date, calendar: WorkingCalendar | None = None) -> Period | None:
    """The days a question asks about, or None when it names none. Raises DateParseError (with the message
    to say back) for a date that can't be one, or a span too long to list.

    `calendar` counts "the next 5 working days"; without one, a working week is 7 days in 5."""
    text = _REWRITES[0][0].sub("", text.lower())
    period = _read_period(text, today, calendar)
    if period is not None and (period.last - period.first).days > MAX_PERIOD_DAYS:
        raise DateParseError(
            f"That is a long time to list ({format_date(period.first)} to {format_date(period.last)}). "
            "Ask about a month at a time, for example: what's due in March?"
        )
    return period


def _read_period(text: str, today: date, calendar: WorkingCalendar | None) -> Period | None:
    dated = _dated(text, today)
    if dated is not None:
        return dated
    if match := _NEXT_N.search(text):
        found = _next_n(match, today, calendar)
        if found is not None:
            return found
    if _AFTER_TOMORROW.search(text):
        day = today + timedelta(days=2)
        return Period(day, day, f"on {format_date(day)}")
    if _TODAY.search(text):
        return Period(today, today, "today")
    if _TOMORROW.search(text):
        tomorrow = today + timedelta(days=1)
        return Period(tomorrow, tomorrow, "tomorrow")
    if _WEEK_AFTER_NEXT.search(text):
        first, last = week_of(today, 2)
        return Period(first, last, "the week after next")
    if _NEXT_WEEK.search(text):
        first, last = week_of(today, 1)
        return Period(first, last, "next week")
    if _WEEKEND.search(text):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() < 5 else today
        return Period(saturday, saturday + timedelta(days=6 - saturday.weekday()), "this weekend")
    if _THIS_WEEK.search(text):
        first, last = week_of(today, 0)
        return Period(first, last, "this week")
    if _NEXT_MONTH.search(text):
        month = today.month % 12 + 1
        return _month_period(today.year + (today.month == 12), month, today, "next month")
    if _THIS_MONTH.search(text):
        return _month_period(today.year, today.month, today, "this month")
    if _THIS_YEAR.search(text):
        return Period(today, date(today.year, 12, 31), "this year")
    for match in _MONTH.finditer(text):
        month, year, prep = _MONTH_WORDS[match["month"]], match["year"], match["prep"]
        if not (prep or year) and (match["month"] != MONTH_NAMES[month - 1] or month == 5):
            continue  # "may I defer?", "mar": not a month without a word before it or a year after it
        chosen = int(year) if year else _next_month_named(month, today)
        if not FIRST_YEAR <= chosen <= LAST_YEAR:
            raise DateParseError(f"I can only work with dates from {FIRST_YEAR} to {LAST_YEAR}.")
        period = _month_period(chosen, month, today)
        if prep in ("by", "until", "till", "through") or re.search(
            r"\bend\s+of\s*$", text[: match.start("month")]
        ):
            # A month already over ("by March 2027" asked in 2028) is today alone, as "before" does.
            last = max(today, period.last)
            return Period(today, last, f"by the end of {MONTH_NAMES[month - 1].title()} {chosen}")
        if prep == "before":
            return Period(today, max(today, period.first - timedelta(days=1)), f"before {period.name[3:]}")
        return period
    for match in _WEEKDAY.finditer(text):
        if match["which"] or match["day"] in WEEKDAY_NAMES:  # "sat", "wed": only as "on sat", "by wed"
            return _weekday(match, today)
    return None


# "Can I defer?", "when is the inspection?", "what do I need to do?": read from the words as typed.
DEFER_WORDS: frozenset[str] = _wordset(
    "defer deferral deferrals deferring deferred deferment postpone postponed postponement reschedule"
)
DEFER_SEQUENCES: tuple[tuple[str, ...], ...] = (
    ("put", "off"),
    ("move", "the", "inspection"),
    ("move", "the", "visit"),
    ("delay", "the", "inspection"),
    ("delay", "the", "visit"),
    ("change", "the", "inspection", "date"),
    ("change", "the", "visit", "date"),
)
INSPECTION_WORDS: frozenset[str] = _wordset(
    "inspection inspections visit visits inspector inspectors ofsted onsite"
)
#: Asking when (or which days) rather than about a milestone: "when is the inspection?", "inspection
#: dates", "when are the inspectors coming?", "what day do inspectors arrive?".
INSPECTION_ASKING: frozenset[str] = _wordset(
    """when whens date dates day days planned arrive arriving coming come start starts starting begin begins
    happen"""
)
#: "to do" is read as one word, "todo" (`_REWRITES`).
TODO_SEQUENCES: tuple[tuple[str, ...], ...] = (
    *((w, "todo") for w in ("need", "needs", "have", "got", "me", "us", "something", "anything", "my")),
    *((w, p, "do") for w in ("should", "can", "must", "do", "shall") for p in ("i", "we")),
    ("need", "doing"),
    ("needs", "doing"),
    ("to", "be", "done"),
    ("on", "my", "plate"),
    ("waiting", "for", "me"),
    ("waiting", "on", "me"),
    ("my", "actions"),
    ("my", "tasks"),
    ("todo", "list"),
    ("action", "needed"),
    ("actions", "needed"),
)


def _asks_to_defer(raw: Sequence[str]) -> bool:
    return any(w in DEFER_WORDS for w in raw) or any(_contains(raw, s) for s in DEFER_SEQUENCES)


def _asks_for_the_visit(raw: Sequence[str], scores: dict[str, float] | None) -> bool:
    """'When is the inspection?': the visit named, asked when, and no milestone but a bare "visit"
    (which alone only hints at a return or compliance visit)."""
    if scores is not None and (max(scores.values(), default=0.0) > 0.5 or "visit" not in raw):
        return False
    return any(w in INSPECTION_WORDS for w in raw) and (
        any(w in INSPECTION_ASKING for w in raw) or _contains(raw, ("on", "site"))
    )


def _asks_what_to_do(raw: Sequence[str]) -> bool:
    return any(_contains(raw, s) for s in TODO_SEQUENCES) or list(raw) in (["todo"], ["tasks"], ["actions"])


def parse_question(
    text: str,
    available_keys: Collection[str] | None = None,
    *,
    today: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> Question:
    """Read a message typed in plain words.

    `available_keys` are the milestone keys of the case's kind when the case is known: candidates are
    limited to them, which can settle an ambiguous word ("report" in a kind with only one report).
    Pass None when the case is not known yet. Never raises for any string. With keys this is
    `parse_question(text).narrowed(available_keys)`: one way to narrow, whether the text is read again or not.
    `today` (and `calendar`, for working days) work out the days of a WEEK or PERIOD question.
    """
    reading = _read(text, today, calendar)
    return reading if available_keys is None else reading.narrowed(available_keys)


#: Any day will do to tell whether a question names a span, when today is not given.
_SOME_DAY = date(2026, 1, 7)


def _read(text: str, today: date | None = None, calendar: WorkingCalendar | None = None) -> Question:
    """The reading of `text` with every candidate milestone key (not narrowed to a case's)."""
    case_ref, rest = _case_ref(text[:MAX_CHARS].lower())
    reading = _read_words(rest, today, calendar)
    return reading if case_ref is None else replace(reading, case_ref=case_ref)


@lru_cache(maxsize=2_048)
def _read_words(rest: str, today: date | None, calendar: WorkingCalendar | None) -> Question:
    """The reading of a question without its case reference: the same for every case it is asked of
    ("when is the draft due for #12?"), so kept for the next asker (a reading is ~50 µs; the key
    holds `calendar` itself, so a new calendar is never taken for an old one)."""
    case_ref = None
    raw = _words(rest)
    tokens = _tokens(raw)
    words = [t.word for t in tokens]
    too_long = len(words) > MAX_CONFIDENT_WORDS
    sure = not too_long

    if _asks_how_to_complain(words):
        return Question(Intent.COMPLAIN, case_ref, (), sure, too_long=too_long)
    if _asks_to_defer(raw):
        return Question(Intent.DEFER, case_ref, (), sure, too_long=too_long)
    scores = _score_milestones(tokens)
    if _asks_for_the_visit(raw, scores):
        return Question(Intent.INSPECTION, case_ref, (), sure, too_long=too_long)
    if scores is not None:
        matches = _order(scores)
        confident = _is_clear(matches) and not too_long
        return Question(Intent.DEADLINE, case_ref, matches, confident, too_long=too_long)
    if _asks_what_to_do(raw):
        return Question(Intent.TODO, case_ref, (), sure, too_long=too_long)
    intent = _other_intent(raw, words)
    if intent is Intent.OVERDUE:
        return Question(intent, case_ref, (), sure, too_long=too_long)
    try:
        period = read_period(rest, today or _SOME_DAY, calendar)
    except DateParseError as exc:
        return Question(Intent.PERIOD, case_ref, (), False, too_long=too_long, problem=str(exc))
    if period is not None:
        week = {"this week": 0, "next week": 1}.get(period.name)
        return Question(
            Intent.WEEK if week is not None else Intent.PERIOD,
            case_ref,
            (),
            sure,
            week=week,
            too_long=too_long,
            period=period if today is not None else None,
        )
    return Question(intent, case_ref, (), intent is not Intent.UNKNOWN and sure, too_long=too_long)


# --- a case named by its setting's name -----------------------------------------------------------------

#: "... for willow?", "... at Willow House", "... about the Willow": the words after the last of these
#: (to the end of the question) may be a setting's name.
_NAMED = re.compile(r"\b(?:for|at|about|regarding|re|of|on)\s+((?:[a-z0-9&.-]+\s*){1,6})[?!.\s]*$")
#: Words that are never a setting's name on their own: the question's own words.
_NOT_NAMES: frozenset[str] = (
    FILLER
    | OVERDUE_WORDS
    | NEXT_WORDS
    | DEFER_WORDS
    | INSPECTION_WORDS
    | INSPECTION_ASKING
    | _wordset(
        """me us all any anything everything everyone case cases mine ours now then soon week weeks month
        months day days year today tonight tomorrow weekend next coming following end start each every one
        them which what when who where how why first last working business fortnight time deadline date
        dates report reports setting settings home homes provider inspector manager please thanks thank
        local authority agency council la moment present minute latest soonest earliest least most way
        sure certain real"""
    )
    | frozenset(MONTH_NAMES)
    | frozenset(_MONTH_WORDS)
    | frozenset(_WEEKDAY_WORDS)
    | _VOCABULARY
)


def named_part(text: str) -> str | None:
    """The words at the end of a question that name a setting ("when is the draft due for willow?" ->
    "willow"), or None when the end of the question is only the question's own words ("... for me?",
    "... for the draft?", "... on Friday?"). Case numbers ("#12") are not names."""
    _, rest = _case_ref(text[:MAX_CHARS].lower())
    rest = _REWRITES[0][0].sub("", rest)
    found = _NAMED.search(rest)
    if found is None:
        return None
    said = found.group(1).split()
    names = [w for w in said if _singular(w.strip(".-")) not in _NOT_NAMES and not w.strip(".-").isdigit()]
    return " ".join(said) if names else None
