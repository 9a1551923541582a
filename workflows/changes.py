"""What a change to a case did to its deadlines: which moved (by how many working days), appeared,
went, or were done. Pure, so the chat's confirmation, reminders and notifications all say the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from workflows.calendar import WorkingCalendar
from workflows.deadlines import Deadline


class ChangeKind(StrEnum):
    MOVED = "moved"
    ADDED = "added"  # now applies (an inadequate judgement brings a case review)
    REMOVED = "removed"  # no longer applies
    DONE = "done"  # recorded as done
    UNDONE = "undone"  # a recorded date was taken back


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    key: str
    before: Deadline | None
    after: Deadline | None
    working_days: int = 0  # MOVED: how far the last day moved, in working days (negative: earlier)

    @property
    def deadline(self) -> Deadline:
        """The deadline as it is now, or as it was when it no longer applies."""
        found = self.after or self.before
        assert found is not None, "a change has a deadline before or after"
        return found


def diff(before: Sequence[Deadline], after: Sequence[Deadline], calendar: WorkingCalendar) -> list[Change]:
    """Every difference between two timelines of one case, in the order of the new timeline."""
    old = {d.key: d for d in before}
    new = {d.key: d for d in after}
    changes: list[Change] = []
    for key, now in new.items():
        was = old.get(key)
        if was is None:
            changes.append(Change(ChangeKind.ADDED, key, None, now))
        elif now.recorded is not None and was.recorded != now.recorded:
            changes.append(Change(ChangeKind.DONE, key, was, now))
        elif now.recorded is None and was.recorded is not None:
            changes.append(Change(ChangeKind.UNDONE, key, was, now))
        elif now.recorded is None and _when(was) != _when(now):
            moved = calendar.working_days_between(was.last_day, now.last_day)
            changes.append(Change(ChangeKind.MOVED, key, was, now, moved))
    changes += [Change(ChangeKind.REMOVED, key, was, None) for key, was in old.items() if key not in new]
    return changes


def _when(deadline: Deadline) -> tuple[object, ...]:
    """What a person is told as its date: an extended deadline (waiting for a complaint's answer) has
    none, so becoming extended or dated again is a move, even on the same day."""
    return (deadline.due, deadline.due_until, deadline.time, deadline.extended)
