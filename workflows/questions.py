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
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache


class Intent(StrEnum):
    """What the person wants, as far as the words tell."""

    DEADLINE = "deadline"  # when is a given milestone due
    OVERDUE = "overdue"  # is anything late
    WEEK = "week"  # what is due this week (week 0) or next week (week 1), across cases
    NEXT = "next"  # what is coming up
    CASES = "cases"  # list my cases
    HELP = "help"  # what can the bot do
    COMPLAIN = "complain"  # how to complain: the procedure's steps and the window, not only its date
    UNKNOWN = "unknown"


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
_VOCABULARY: frozenset[str] = frozenset(w for words, _ in _PHRASE_TABLE for w in words) | frozenset(
    {"overdue", "upcoming", "deadline", "caseload"}
)
_TYPO_TARGETS: tuple[str, ...] = tuple(sorted(w for w in _VOCABULARY if len(w) >= 5 and w.isalpha()))


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment (Damerau-Levenshtein) distance, or limit + 1 once it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=4096)
def _correct(word: str) -> str | None:
    """The vocabulary word a typo most likely stands for, or None when it is not a near miss.

    Remembered per word: a word outside the vocabulary is compared with every target (about 0.5 ms for
    "anything"), and people ask with the same few words again and again."""
    if len(word) < 5 or not word.isalpha() or word in _VOCABULARY or word in NOT_TYPOS or word in FILLER:
        return None
    limit = 2 if len(word) >= 8 else 1
    best: tuple[int, bool, str] | None = None
    for target in _TYPO_TARGETS:
        d = _distance(word, target, limit)
        if d <= limit:
            # prefer the smaller distance, then the same first letter, then alphabetical (deterministic)
            candidate = (d, target[0] != word[0], target)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None


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
    for phrase, senses in _PHRASE_TABLE:
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


def parse_question(text: str, available_keys: Collection[str] | None = None) -> Question:
    """Read a message typed in plain words.

    `available_keys` are the milestone keys of the case's kind when the case is known: candidates are
    limited to them, which can settle an ambiguous word ("report" in a kind with only one report).
    Pass None when the case is not known yet. Never raises for any string. With keys this is
    `parse_question(text).narrowed(available_keys)`: one way to narrow, whether the text is read again or not.
    """
    reading = _read(text)
    return reading if available_keys is None else reading.narrowed(available_keys)


def _read(text: str) -> Question:
    """The reading of `text` with every candidate milestone key (not narrowed to a case's)."""
    case_ref, rest = _case_ref(text[:MAX_CHARS].lower())
    raw = _words(rest)
    tokens = _tokens(raw)
    words = [t.word for t in tokens]
    too_long = len(words) > MAX_CONFIDENT_WORDS

    if _asks_how_to_complain(words):
        return Question(Intent.COMPLAIN, case_ref, (), not too_long, too_long=too_long)
    scores = _score_milestones(tokens)
    if scores is not None:
        matches = _order(scores)
        confident = _is_clear(matches) and not too_long
        return Question(Intent.DEADLINE, case_ref, matches, confident, too_long=too_long)

    week = next((n for sequence, n in WEEK_SEQUENCES.items() if _contains(words, sequence)), None)
    if week is not None:
        return Question(Intent.WEEK, case_ref, (), not too_long, week=week, too_long=too_long)
    intent = _other_intent(raw, words)
    return Question(intent, case_ref, (), intent is not Intent.UNKNOWN and not too_long, too_long=too_long)
