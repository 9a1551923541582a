"""What each role is shown of a timeline, and which deadlines are theirs: rules, not handler conditions.

Providers see the deadlines that concern them and Ofsted's public steps, without seed citations or
Ofsted-internal steps (case reviews, emails to the DCS, quality assurance, inspectors' evidence handling);
inspectors and managers see everything, with the rule's source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

from workflows.access import Role
from workflows.rules import Actor

#: Steps inside Ofsted that a provider is not shown.
INTERNAL_KEYS = frozenset({"case_review", "dcs_email", "draft_qa", "evidence_upload", "evidence_notebooks"})

#: Which deadline owners each role answers for ("your" deadlines).
ROLE_ACTORS: dict[Role, frozenset[Actor]] = {
    Role.INSPECTOR: frozenset({Actor.INSPECTOR}),
    Role.PROVIDER: frozenset({Actor.PROVIDER, Actor.DCS, Actor.LOCAL_AUTHORITY}),
    Role.MANAGER: frozenset({Actor.MANAGER}),
}


class _Milestone(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def actor(self) -> Actor: ...

    @property
    def internal(self) -> bool: ...


def sees_sources(role: Role) -> bool:
    """Seed and line citations are for Ofsted staff."""
    return role is not Role.PROVIDER


#: A rule's source as the kinds write it ends with its seed lines: "(seed 003 L507, L970)".
_SEED_LINES = re.compile(r"\s*\(seed [^()]*\)\s*$")


def source_for(role: Role, source: str) -> str | None:
    """The one wording of a rule's source: for staff the framework's short name and its section ("SCCIF
    adoption support agencies, Timeframe"), without seed lines (those are for the project's own
    checks); nothing for providers."""
    if not sees_sources(role):
        return None
    return _SEED_LINES.sub("", source) or None


def sees(role: Role, milestone: _Milestone) -> bool:
    """Providers are not shown Ofsted's internal steps: those a rule marks internal, and INTERNAL_KEYS."""
    return role is not Role.PROVIDER or not (milestone.internal or milestone.key in INTERNAL_KEYS)


M = TypeVar("M", bound=_Milestone)


def shown(role: Role, milestones: Iterable[M]) -> list[M]:
    """The milestones `role` is shown, in their order."""
    return [m for m in milestones if sees(role, m)]


def is_mine(role: Role, milestone: _Milestone) -> bool:
    """A deadline this role owns (shown as "yours" and, later, reminded of)."""
    return milestone.actor in ROLE_ACTORS.get(role, frozenset())
