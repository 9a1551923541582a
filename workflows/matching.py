"""The one fuzzy matcher: the known word a slip most likely stands for.

Used for a mistyped command ("/comment": "Did you mean /comments?", handlers.setup) and for a mistyped word
of a question ("complant": "complaint", workflows.questions). Both count edits the same way (optimal
string alignment: an insertion, a deletion, a change or two neighbouring letters swapped are one edit each)
and prefer the nearest word, then one with the same first letter, then the first alphabetically, so the
answer never depends on the order of the candidates; each caller says how many edits it forgives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

#: How many edits `word` may be from `candidate` and still stand for it.
Tolerance = Callable[[str, str], int]


def distance(a: str, b: str, limit: int) -> int:
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


def nearest(word: str, candidates: Iterable[str], tolerance: int | Tolerance) -> str | None:
    """The candidate `word` most likely stands for, or None when none is within `tolerance` edits (a
    number for every candidate, or worked out per candidate)."""
    best: tuple[int, bool, str] | None = None
    for candidate in candidates:
        limit = tolerance if isinstance(tolerance, int) else tolerance(word, candidate)
        if limit < 0:
            continue
        d = distance(word, candidate, limit)
        if d <= limit:
            # the smaller distance, then the same first letter, then alphabetical (deterministic)
            found = (d, candidate[:1] != word[:1], candidate)
            if best is None or found < best:
                best = found
    return best[2] if best else None


def by_length(word: str) -> int:
    """A question's word: 1 edit in a word of up to 7 letters, 2 in a longer one."""
    return 2 if len(word) >= 8 else 1


def most_alike(word: str, candidate: str) -> int:
    """A command: the edits that leave three quarters of both words' letters matched (the 0.75 of the
    "did you mean" hint it replaced, difflib's ratio 2 * matched / (both lengths))."""
    return math.floor(max(len(word), len(candidate)) - 0.375 * (len(word) + len(candidate)))
