"""The values the store hands out: frozen, so a handler can't change a case behind the store's back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflows.access import Role

__all__ = [
    "AuditEntry",
    "Case",
    "CaseStatus",
    "CloseReason",
    "Invite",
    "Member",
    "Note",
    "Person",
    "Role",
    "Setting",
]


class CaseStatus(StrEnum):
    """A case is open or closed (`cases.status`, stored)."""

    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    """Why a case was closed (`cases.close_reason`, stored; migration 3 checks the values)."""

    COMPLETED = "completed"
    MISTAKE = "mistake"
    WITHDRAWN = "withdrawn"
    OTHER = "other"  # comes with a few words (`close_note`)


@dataclass(frozen=True)
class Person:
    """Someone who uses the bot; a provider belongs to one setting."""

    id: int
    telegram_id: int
    display_name: str
    role: Role
    active: bool
    setting_id: int | None


@dataclass(frozen=True)
class Setting:
    """The inspected place: a children's home, an agency or a local authority."""

    id: int
    name: str
    urn: str | None


@dataclass(frozen=True)
class Member:
    """Someone on a case and the role they hold on it."""

    person_id: int
    display_name: str
    role: Role


@dataclass(frozen=True)
class Case:
    """One inspection: what kind, of which setting, when, its outcome, what has happened and who is on it."""

    id: int
    ref: int  # shown to people as "#<ref>"
    kind: str
    setting: Setting
    planned_start: date | None
    planned_end: date | None
    status: CaseStatus
    judgement: str | None
    concerns: bool
    events: Mapping[str, date]
    members: tuple[Member, ...]
    created_at: datetime
    closed_at: datetime | None
    purged_at: datetime | None = None
    close_reason: CloseReason | None = None
    close_note: str | None = None  # the words given with "other" (purged with the case's free text)
    #: The provider is a single individual (an adoption support agency: 20 working days' notice, 003 L433).
    single_individual: bool = False


@dataclass(frozen=True)
class Note:
    """A free-text note on a case; `text` is None once the retention period has purged it."""

    id: int
    case_ref: int
    author_id: int | None
    at: datetime
    text: str | None


@dataclass(frozen=True)
class Invite:
    """A fresh invitation. `code` is the plaintext, available only here: the store keeps its hash."""

    code: str
    role: Role
    case_ref: int | None
    setting_id: int | None
    expires_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One change: who, when, what, to which case, and the values before and after."""

    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    case_ref: int | None
    before: dict[str, Any] | None = field(default=None)
    after: dict[str, Any] | None = field(default=None)
