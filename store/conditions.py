"""The access rules and a deadline's state as SQL conditions, for every query across cases.

`visible_sql` and `shown_sql` are written from the same rules as `workflows.access.can_view` and
`workflows.audience.sees` (tests/test_lists_access.py checks them against each other on random data);
`open_on_sql` and `missed_on_sql` are `Deadline.open_on` and `Deadline.missed_on` on `case_deadlines`
rows.
Low in the store: the lists, the requests waiting for someone and the outbox's digests all read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from workflows.access import Role, Subject, is_operator, settings_of
from workflows.audience import INTERNAL_KEYS

_INTERNAL = tuple(sorted(INTERNAL_KEYS))


def visible_sql(subject: Subject, case: str = "c") -> tuple[str, list[Any]]:
    """`workflows.access.can_view` as a condition on `cases` row `case`: managers and the operator every
    case, inspectors the cases they are members of, providers the cases of their setting, others none."""
    if is_operator(subject):
        return "1", []
    if not subject.active:
        return "0", []
    if subject.role is Role.MANAGER:
        return "1", []
    if subject.role is Role.INSPECTOR and subject.person_id is not None:
        return (
            f"EXISTS (SELECT 1 FROM case_members cm WHERE cm.case_id = {case}.id AND cm.person_id = ?)",
            [subject.person_id],
        )
    if subject.role is Role.PROVIDER and (settings := sorted(settings_of(subject))):
        return f"{case}.setting_id IN ({', '.join('?' for _ in settings)})", [*settings]
    return "0", []


def shown_sql(role: Role | None, row: str = "d", hidden: Sequence[int] = ()) -> tuple[str, list[Any]]:
    """`workflows.audience.sees` as a condition on `case_deadlines` row `row`: providers are not shown
    internal steps nor INTERNAL_KEYS, nor any deadline of the cases in `hidden` (those whose visit is
    kept from them, `hidden_cases`: `workflows.audience.timeline_for`); everyone else everything."""
    if role is not Role.PROVIDER:
        return "1", []
    marks = ", ".join("?" * len(_INTERNAL))
    condition, params = f"({row}.internal = 0 AND {row}.key NOT IN ({marks}))", list[Any](_INTERNAL)
    if hidden:
        condition += f" AND {row}.case_id NOT IN ({', '.join('?' * len(hidden))})"
        params += list(hidden)
    return condition, params


def open_on_sql(today: date, row: str = "d") -> tuple[str, list[Any]]:
    """`Deadline.open_on(today)`: not done, and a window only until it ends."""
    return f"({row}.recorded IS NULL AND ({row}.recordable = 1 OR {row}.last_day >= ?))", [today.isoformat()]


def missed_on_sql(today: date, row: str = "d") -> tuple[str, list[Any]]:
    """`Deadline.missed_on(today)`: recordable, not done, its last day past."""
    return (
        f"({row}.recorded IS NULL AND {row}.recordable = 1 AND {row}.extended = 0 AND {row}.last_day < ?)",
        [today.isoformat()],
    )
