"""Who may see and change which case: the one place the rules live, so the store and the chat agree.

Pure functions over plain values; the store loads the facts (role, membership, setting) and asks here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A person's role in the bot; also the role a member holds on one case."""

    MANAGER = "manager"
    INSPECTOR = "inspector"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Subject:
    """The person asking, as far as access is concerned."""

    person_id: int | None  # None for the operator's command line
    role: Role | None  # None for the operator's command line
    setting_id: int | None  # the setting a provider first joined
    active: bool
    #: Further settings a provider was invited to (an organisation with several homes, issue 20).
    more_settings: frozenset[int] = frozenset()


def settings_of(subject: Subject) -> frozenset[int]:
    """Every setting a provider is on: the first one and any further ones; none for anyone else's id."""
    first = frozenset() if subject.setting_id is None else frozenset({subject.setting_id})
    return first | subject.more_settings


@dataclass(frozen=True)
class Scope:
    """What access depends on about one case: its setting and who is on it in which role."""

    setting_id: int
    members: Mapping[int, Role]  # person id -> role on this case


#: The command line run by the operator: trusted, like a manager, but not a person.
OPERATOR = Subject(person_id=None, role=None, setting_id=None, active=True)


def is_operator(subject: Subject) -> bool:
    """The operator is the only subject with neither an id nor a role."""
    return subject.person_id is None and subject.role is None


def can_view(subject: Subject, scope: Scope) -> bool:
    """Managers see every case, inspectors the cases they are on, providers the cases of their setting."""
    if is_operator(subject):
        return True
    if not subject.active:
        return False
    if subject.role is Role.MANAGER:
        return True
    if subject.role is Role.INSPECTOR:
        return subject.person_id in scope.members
    if subject.role is Role.PROVIDER:
        return scope.setting_id in settings_of(subject)
    return False


def can_edit(subject: Subject, scope: Scope) -> bool:
    """Dates, outcome and membership are changed by managers and by inspectors on the case only."""
    if not can_view(subject, scope):
        return False
    if is_operator(subject) or subject.role is Role.MANAGER:
        return True
    return subject.role is Role.INSPECTOR and scope.members.get(_id(subject)) is Role.INSPECTOR


def can_correct(subject: Subject, scope: Scope) -> bool:
    """A case's kind and its setting's name are corrected, and a closed case reopened, by managers only."""
    if not can_view(subject, scope):
        return False
    return is_operator(subject) or subject.role is Role.MANAGER


def can_view_setting(subject: Subject, setting_id: int, scopes: Iterable[Scope]) -> bool:
    """A setting's name is seen by managers, its own providers, and whoever may see one of its cases."""
    if is_operator(subject):
        return True
    if not subject.active:
        return False
    if subject.role is Role.MANAGER:
        return True
    if subject.role is Role.PROVIDER:
        return setting_id in settings_of(subject)
    return any(can_view(subject, scope) for scope in scopes)


def can_create_case(subject: Subject) -> bool:
    """Cases are opened by inspectors and managers; providers are invited onto them."""
    if is_operator(subject):
        return True
    return subject.active and subject.role in (Role.MANAGER, Role.INSPECTOR)


def can_invite(subject: Subject, invite_role: Role, scope: Scope | None) -> bool:
    """Managers invite anyone; an inspector only a provider onto a case they inspect.

    A provider invitation always names a case (its setting comes from the case), whoever sends it.
    """
    if invite_role is Role.PROVIDER and scope is None:
        return False
    if is_operator(subject):
        return True
    if not subject.active:
        return False
    if subject.role is Role.MANAGER:
        return scope is None or can_view(subject, scope)
    if subject.role is Role.INSPECTOR:
        return invite_role is Role.PROVIDER and scope is not None and can_edit(subject, scope)
    return False


def can_manage_people(subject: Subject) -> bool:
    """Deactivating people is for managers and the operator."""
    if is_operator(subject):
        return True
    return subject.active and subject.role is Role.MANAGER


def _id(subject: Subject) -> int:
    if subject.person_id is None:
        raise ValueError("a person without an id is the operator")
    return subject.person_id
