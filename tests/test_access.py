"""The authorisation rules, as pure functions: the one place the store and the chat take them from."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.access import (
    OPERATOR,
    Role,
    Scope,
    Subject,
    can_correct,
    can_create_case,
    can_edit,
    can_invite,
    can_manage_people,
    can_view,
    can_view_setting,
    settings_of,
)

HOME = 10
OTHER_HOME = 20
SCOPE = Scope(setting_id=HOME, members={1: Role.INSPECTOR, 3: Role.PROVIDER})

MANAGER = Subject(person_id=9, role=Role.MANAGER, setting_id=None, active=True)
INSPECTOR_ON = Subject(person_id=1, role=Role.INSPECTOR, setting_id=None, active=True)
INSPECTOR_OFF = Subject(person_id=2, role=Role.INSPECTOR, setting_id=None, active=True)
PROVIDER_HERE = Subject(person_id=4, role=Role.PROVIDER, setting_id=HOME, active=True)
PROVIDER_ELSEWHERE = Subject(person_id=5, role=Role.PROVIDER, setting_id=OTHER_HOME, active=True)
PROVIDER_NO_SETTING = Subject(person_id=6, role=Role.PROVIDER, setting_id=None, active=True)


@pytest.mark.parametrize(
    ("subject", "view", "edit"),
    [
        (OPERATOR, True, True),
        (MANAGER, True, True),
        (INSPECTOR_ON, True, True),
        (INSPECTOR_OFF, False, False),
        (PROVIDER_HERE, True, False),
        (PROVIDER_ELSEWHERE, False, False),
        (PROVIDER_NO_SETTING, False, False),
    ],
)
def test_who_sees_and_changes_a_case(subject: Subject, view: bool, edit: bool) -> None:
    assert can_view(subject, SCOPE) is view
    assert can_edit(subject, SCOPE) is edit


def test_an_inspector_listed_as_a_provider_member_may_look_but_not_change() -> None:
    odd = Scope(setting_id=HOME, members={1: Role.PROVIDER})
    assert can_view(INSPECTOR_ON, odd)
    assert not can_edit(INSPECTOR_ON, odd)


@given(
    role=st.sampled_from(list(Role)),
    person_id=st.integers(1, 50),
    setting_id=st.none() | st.integers(1, 5),
    case_setting=st.integers(1, 5),
    members=st.dictionaries(st.integers(1, 50), st.sampled_from(list(Role)), max_size=5),
)
def test_nobody_inactive_sees_anything_and_editing_implies_viewing(
    role: Role, person_id: int, setting_id: int | None, case_setting: int, members: dict[int, Role]
) -> None:
    scope = Scope(setting_id=case_setting, members=members)
    active = Subject(person_id, role, setting_id, active=True)
    inactive = Subject(person_id, role, setting_id, active=False)
    assert not can_view(inactive, scope)
    assert not can_edit(inactive, scope)
    assert not can_create_case(inactive)
    assert not can_view_setting(inactive, case_setting, [scope])
    if can_edit(active, scope):
        assert can_view(active, scope)
    if role is Role.PROVIDER:
        assert can_view(active, scope) is (setting_id == case_setting)
        assert not can_edit(active, scope)


def test_who_opens_cases_and_manages_people() -> None:
    assert can_create_case(MANAGER) and can_create_case(INSPECTOR_OFF) and can_create_case(OPERATOR)
    assert not can_create_case(PROVIDER_HERE)
    assert can_manage_people(MANAGER) and can_manage_people(OPERATOR)
    assert not can_manage_people(INSPECTOR_ON) and not can_manage_people(PROVIDER_HERE)


@pytest.mark.parametrize(
    ("subject", "role", "scope", "allowed"),
    [
        (OPERATOR, Role.MANAGER, None, True),
        (OPERATOR, Role.PROVIDER, SCOPE, True),
        (OPERATOR, Role.PROVIDER, None, False),  # a provider invitation always names a case
        (MANAGER, Role.INSPECTOR, None, True),
        (MANAGER, Role.MANAGER, None, True),
        (MANAGER, Role.PROVIDER, SCOPE, True),
        (MANAGER, Role.PROVIDER, None, False),
        (INSPECTOR_ON, Role.PROVIDER, SCOPE, True),
        (INSPECTOR_ON, Role.INSPECTOR, SCOPE, False),
        (INSPECTOR_ON, Role.MANAGER, None, False),
        (INSPECTOR_OFF, Role.PROVIDER, SCOPE, False),
        (PROVIDER_HERE, Role.PROVIDER, SCOPE, False),
    ],
)
def test_who_may_invite_whom(subject: Subject, role: Role, scope: Scope | None, allowed: bool) -> None:
    assert can_invite(subject, role, scope) is allowed


def test_a_setting_is_seen_by_its_providers_managers_and_people_on_its_cases() -> None:
    assert can_view_setting(PROVIDER_HERE, HOME, [])
    assert not can_view_setting(PROVIDER_ELSEWHERE, HOME, [SCOPE])
    assert can_view_setting(MANAGER, HOME, [])
    assert can_view_setting(INSPECTOR_ON, HOME, [SCOPE])
    assert not can_view_setting(INSPECTOR_OFF, HOME, [SCOPE])


def test_a_provider_on_several_settings_sees_their_cases_and_no_others() -> None:
    """Issue 20: an organisation with several homes. Each further setting an invitation added is theirs
    to see; a setting they were not invited to stays hidden, and they change no case."""
    third = 30
    both = Subject(
        person_id=4, role=Role.PROVIDER, setting_id=HOME, active=True, more_settings=frozenset({OTHER_HOME})
    )
    assert settings_of(both) == {HOME, OTHER_HOME}
    for setting in (HOME, OTHER_HOME):
        scope = Scope(setting_id=setting, members={})
        assert can_view(both, scope) and not can_edit(both, scope) and not can_correct(both, scope)
        assert can_view_setting(both, setting, [])
    assert not can_view(both, Scope(setting_id=third, members={}))
    assert not can_view_setting(both, third, [])
    gone = Subject(4, Role.PROVIDER, HOME, active=False, more_settings=frozenset({OTHER_HOME}))
    assert not can_view(gone, Scope(setting_id=OTHER_HOME, members={}))
    assert settings_of(PROVIDER_NO_SETTING) == frozenset()
