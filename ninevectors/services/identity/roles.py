"""The one definition of roles and permissions (reference architecture, RBAC section).

Roles are ordered by level. A role holds its own permissions and those of every role below
it (a manager can do what a member can); SUPER_ADMIN holds every permission. A principal may
grant (invite as, promote to) only roles at or below its own level. Role values are the
reference's names ("ORG_ADMIN", ...), which is what ``Principal.role`` and user items carry.
"""

from __future__ import annotations

from enum import StrEnum

from ninevectors.models.principal import Principal
from ninevectors.services.errors import Forbidden

# Permission names, as in the reference.
ORG_MANAGE = "org.manage"
USERS_MANAGE = "users.manage"
USERS_INVITE = "users.invite"
ASSESSMENTS_CREATE = "assessments.create"
ASSESSMENTS_DELETE = "assessments.delete"
ASSESSMENTS_VIEW_ALL = "assessments.view_all"
ASSESSMENTS_PARTICIPATE = "assessments.participate"
ASSESSMENTS_VIEW_OWN = "assessments.view_own"
ASSESSMENTS_VIEW_SHARED = "assessments.view_shared"
BILLING_MANAGE = "billing.manage"
SETTINGS_MODIFY = "settings.modify"
REPORTS_EXPORT = "reports.export"
REPORTS_VIEW_OWN = "reports.view_own"
REPORTS_VIEW_SHARED = "reports.view_shared"
DOCUMENTS_UPLOAD = "documents.upload"

_OWN_PERMISSIONS: dict[str, frozenset[str]] = {
    "VIEWER": frozenset({ASSESSMENTS_VIEW_SHARED, REPORTS_VIEW_SHARED}),
    "MEMBER": frozenset(
        {ASSESSMENTS_PARTICIPATE, ASSESSMENTS_VIEW_OWN, DOCUMENTS_UPLOAD, REPORTS_VIEW_OWN}
    ),
    "MANAGER": frozenset({ASSESSMENTS_CREATE, ASSESSMENTS_VIEW_ALL, USERS_INVITE, REPORTS_EXPORT}),
    "ORG_ADMIN": frozenset(
        {
            ORG_MANAGE,
            USERS_MANAGE,
            ASSESSMENTS_CREATE,
            ASSESSMENTS_DELETE,
            BILLING_MANAGE,
            SETTINGS_MODIFY,
        }
    ),
    "SUPER_ADMIN": frozenset(),  # '*': every permission, see permissions_of
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*_OWN_PERMISSIONS.values())


class Role(StrEnum):
    SUPER_ADMIN = "SUPER_ADMIN"
    ORG_ADMIN = "ORG_ADMIN"
    MANAGER = "MANAGER"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"

    @property
    def level(self) -> int:
        return _LEVELS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: object) -> Role:
        """The role named by ``value`` (a Role or its value); ValueError otherwise."""
        if isinstance(value, Role):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().upper())
            except ValueError:
                pass
        raise ValueError(f"unknown role {value!r}")


_LEVELS: dict[Role, int] = {
    Role.SUPER_ADMIN: 100,
    Role.ORG_ADMIN: 80,
    Role.MANAGER: 60,
    Role.MEMBER: 40,
    Role.VIEWER: 20,
}

_LABELS: dict[Role, str] = {
    Role.SUPER_ADMIN: "Super admin",
    Role.ORG_ADMIN: "Organization admin",
    Role.MANAGER: "Manager",
    Role.MEMBER: "Member",
    Role.VIEWER: "Viewer",
}


def _role_or_none(role: Role | str) -> Role | None:
    try:
        return Role.parse(role)
    except ValueError:
        return None


def permissions_of(role: Role | str) -> frozenset[str]:
    """Every permission ``role`` holds (its own plus those of the roles below it)."""
    parsed = _role_or_none(role)
    if parsed is None:
        return frozenset()
    if parsed is Role.SUPER_ADMIN:
        return ALL_PERMISSIONS
    held: set[str] = set()
    for other in Role:
        if other.level <= parsed.level:
            held |= _OWN_PERMISSIONS[other.value]
    return frozenset(held)


def has_permission(role: Role | str, permission: str) -> bool:
    parsed = _role_or_none(role)
    if parsed is Role.SUPER_ADMIN:
        return True
    return permission in permissions_of(role)


def can_grant(granter_role: Role | str, role: Role | str) -> bool:
    """True when ``granter_role`` may give ``role`` to someone: only roles at or below its own."""
    granter, granted = _role_or_none(granter_role), _role_or_none(role)
    if granter is None or granted is None:
        return False
    return granted.level <= granter.level


def grantable_roles(granter_role: Role | str) -> list[Role]:
    """The roles ``granter_role`` may hand out, highest first (for role pickers)."""
    return [role for role in Role if can_grant(granter_role, role)]


def require(principal: Principal, permission: str) -> None:
    """Raise Forbidden unless the principal's role holds ``permission``."""
    if not has_permission(principal.role, permission):
        raise Forbidden(f"Your role does not allow this ({permission}).")


def user_permission_flags(role: Role | str) -> dict[str, bool]:
    """The reference user item's ``permissions`` block, derived from the role."""
    return {
        "canCreateAssessments": has_permission(role, ASSESSMENTS_CREATE),
        "canViewAllAssessments": has_permission(role, ASSESSMENTS_VIEW_ALL),
        "canExportData": has_permission(role, REPORTS_EXPORT),
        "canManageUsers": has_permission(role, USERS_MANAGE),
    }
