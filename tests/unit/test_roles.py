"""Roles: levels, permissions (cumulative, SUPER_ADMIN has all), granting and require()."""

from __future__ import annotations

import pytest

from ninevectors.models.principal import Principal
from ninevectors.services.errors import Forbidden
from ninevectors.services.identity import roles
from ninevectors.services.identity.roles import Role


def test_levels_follow_the_reference() -> None:
    assert [role.level for role in Role] == [100, 80, 60, 40, 20]
    assert Role.parse("org_admin") is Role.ORG_ADMIN
    assert Role.parse(Role.VIEWER) is Role.VIEWER
    with pytest.raises(ValueError):
        Role.parse("owner")
    with pytest.raises(ValueError):
        Role.parse(3)


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        (Role.ORG_ADMIN, roles.USERS_MANAGE, True),
        (Role.ORG_ADMIN, roles.USERS_INVITE, True),  # inherited from MANAGER
        (Role.MANAGER, roles.USERS_INVITE, True),
        (Role.MANAGER, roles.USERS_MANAGE, False),
        (Role.MANAGER, roles.DOCUMENTS_UPLOAD, True),  # inherited from MEMBER
        (Role.MEMBER, roles.USERS_INVITE, False),
        (Role.MEMBER, roles.ASSESSMENTS_PARTICIPATE, True),
        (Role.VIEWER, roles.ASSESSMENTS_PARTICIPATE, False),
        (Role.VIEWER, roles.REPORTS_VIEW_SHARED, True),
        (Role.SUPER_ADMIN, "anything.at_all", True),
        ("NOT_A_ROLE", roles.REPORTS_VIEW_SHARED, False),
    ],
)
def test_has_permission(role: Role | str, permission: str, expected: bool) -> None:
    assert roles.has_permission(role, permission) is expected


def test_super_admin_holds_every_named_permission() -> None:
    assert roles.permissions_of(Role.SUPER_ADMIN) == roles.ALL_PERMISSIONS
    assert roles.permissions_of(Role.VIEWER) < roles.permissions_of(Role.MEMBER)
    assert roles.permissions_of("bogus") == frozenset()


def test_can_grant_only_at_or_below_own_level() -> None:
    assert roles.can_grant(Role.MANAGER, Role.MANAGER)
    assert roles.can_grant(Role.MANAGER, Role.VIEWER)
    assert not roles.can_grant(Role.MANAGER, Role.ORG_ADMIN)
    assert not roles.can_grant(Role.ORG_ADMIN, Role.SUPER_ADMIN)
    assert roles.can_grant(Role.SUPER_ADMIN, Role.SUPER_ADMIN)
    assert not roles.can_grant("bogus", Role.VIEWER)
    assert roles.grantable_roles(Role.MANAGER) == [Role.MANAGER, Role.MEMBER, Role.VIEWER]


def test_require_raises_forbidden() -> None:
    member = Principal("u1", "org1", Role.MEMBER.value)
    roles.require(member, roles.DOCUMENTS_UPLOAD)
    with pytest.raises(Forbidden):
        roles.require(member, roles.USERS_INVITE)


def test_user_permission_flags() -> None:
    assert roles.user_permission_flags(Role.ORG_ADMIN) == {
        "canCreateAssessments": True,
        "canViewAllAssessments": True,
        "canExportData": True,
        "canManageUsers": True,
    }
    assert not any(roles.user_permission_flags(Role.VIEWER).values())
