"""Finding a case by its setting's name: "when is the draft due for oak house?", `/case oak`.

A name is found when all of it appears in the text; failing that, by its distinctive words (not words
every setting shares, like "house" or "council", nor the words of questions). The caller decides what to do
with several matches (offer them as buttons).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_WORD = re.compile(r"[a-z0-9]+")
#: Words many settings' names share, and words questions are made of: never enough to pick a case.
_COMMON = """the a an and of for in on at to by with is are when what whats due draft report final comment
    comments complaint publication case cases house home homes children childrens child young people
    council county city borough metropolitan district london royal agency agencies service services school
    schools residential care support adoption limited ltd trust group centre center unit road lodge court
    place view new old north south east west st saint"""
COMMON_WORDS = frozenset(_COMMON.split())


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def in_text(text: str, names: Mapping[int, str]) -> list[int]:
    """Cases whose whole name is in `text`, else those one of whose distinctive words is; best first."""
    said = words(text)
    whole = [ref for ref, name in names.items() if _contains(said, words(name))]
    if whole:
        return _longest_first(whole, names)
    said_set = set(said)
    return sorted(
        ref
        for ref, name in names.items()
        if any(len(w) >= 3 and w not in COMMON_WORDS and w in said_set for w in words(name))
    )


def typed(query: str, names: Mapping[int, str]) -> list[int]:
    """Cases whose name has a word starting with each word typed (`/case oak`, `/case oak ho`)."""
    wanted = words(query)
    if not wanted:
        return []
    return sorted(
        ref
        for ref, name in names.items()
        if all(any(w.startswith(part) for w in words(name)) for part in wanted)
    )


def _longest_first(refs: Iterable[int], names: Mapping[int, str]) -> list[int]:
    """'Oak House Annexe' before 'Oak House' when both are in the text: only the longest are kept."""
    ordered = sorted(refs, key=lambda ref: (-len(words(names[ref])), ref))
    longest = len(words(names[ordered[0]]))
    return [ref for ref in ordered if len(words(names[ref])) == longest]


#: Words of questions that are never part of a setting's name, left out when narrowing candidates.
_QUESTIONS = """when what whats is are the a an of for to by on in at due draft report final comment comments
    complaint publication deadline deadlines case cases my our me we i it its do does did be will was
    this next week overdue anything how which who you your has have been sent send"""
_QUESTION_WORDS = frozenset(_QUESTIONS.split())


def search_words(text: str) -> list[str]:
    """The words of `text` a setting's name must contain one of for `in_text` to find it: every word
    but those only questions are made of (so a name made of nothing else is not found by words)."""
    return sorted({w for w in words(text) if w not in _QUESTION_WORDS})
