"""Identity: organizations, users, roles, log-in and sessions, invitations, password resets.

The UI calls the functions re-exported here. Every function that acts for someone takes the
acting :class:`~ninevectors.models.principal.Principal` first and touches only that
principal's organization; the pre-authentication entry points (sign-up, log-in, session
resolution, password reset, invitation acceptance) take none.
"""

from __future__ import annotations

from ninevectors.services.identity.auth import (
    AccountDeactivated,
    AccountLocked,
    AuthenticationError,
    InvalidCredentials,
    change_password,
    login,
    logout,
)
from ninevectors.services.identity.invitations import (
    InvitationInfo,
    accept_invitation,
    describe_invitation,
    invite,
    list_invitations,
    revoke_invitation,
)
from ninevectors.services.identity.organizations import get_organization, update_organization
from ninevectors.services.identity.password_reset import (
    check_reset_token,
    request_reset,
    reset_password,
)
from ninevectors.services.identity.roles import (
    Role,
    can_grant,
    grantable_roles,
    has_permission,
    permissions_of,
    require,
)
from ninevectors.services.identity.schemas import (
    OrganizationUpdate,
    PreferencesUpdate,
    ProfileUpdate,
    SignUpInput,
    UserListQuery,
)
from ninevectors.services.identity.sessions import LoginResult, resolve_session
from ninevectors.services.identity.signup import sign_up
from ninevectors.services.identity.users import (
    UserPage,
    change_role,
    deactivate_user,
    get_current_user,
    get_user,
    list_users,
    reactivate_user,
    update_preferences,
    update_profile,
)

__all__ = [
    "AccountDeactivated",
    "AccountLocked",
    "AuthenticationError",
    "InvalidCredentials",
    "InvitationInfo",
    "LoginResult",
    "OrganizationUpdate",
    "PreferencesUpdate",
    "ProfileUpdate",
    "Role",
    "SignUpInput",
    "UserListQuery",
    "UserPage",
    "accept_invitation",
    "can_grant",
    "change_password",
    "change_role",
    "check_reset_token",
    "deactivate_user",
    "describe_invitation",
    "get_current_user",
    "get_organization",
    "get_user",
    "grantable_roles",
    "has_permission",
    "invite",
    "list_invitations",
    "list_users",
    "login",
    "logout",
    "permissions_of",
    "reactivate_user",
    "request_reset",
    "require",
    "reset_password",
    "resolve_session",
    "revoke_invitation",
    "sign_up",
    "update_organization",
    "update_preferences",
    "update_profile",
]
