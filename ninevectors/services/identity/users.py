"""Users of an organization: listing, profiles, preferences, roles and deactivation.

Every function takes the acting principal first and reads and writes only the principal's
organization partition; another organization's user id is simply "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import select

from ninevectors.models.identity import UserItem
from ninevectors.models.principal import Principal
from ninevectors.models.tables import UserCredential
from ninevectors.services.billing import entitlements
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ConflictError, Forbidden, ValidationFailed
from ninevectors.services.identity import _common, clock, roles, sessions
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.schemas import (
    PreferencesUpdate,
    ProfileUpdate,
    UserListQuery,
)
from ninevectors.services.pagination import ResultPage
from ninevectors.services.store.base import Filter, Item, PreconditionFailed

UserPage = ResultPage[UserItem]


def build_user(
    organization_id: str,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    user_id: str | None = None,
) -> UserItem:
    """A new user item (not stored yet)."""
    uid = user_id or _common.new_id("user")
    return UserItem(
        id=uid,
        organization_id=organization_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role.value,
        auth={"provider": "email", "userId": uid},
        permissions=roles.user_permission_flags(role),
        created_at=clock.iso(clock.utcnow()),
        partition_key=organization_id,
    )


def _load(principal: Principal, user_id: object) -> Item:
    return _common.get_item(_common.USERS, principal.organization_id, user_id, "User")


def _save(item: Item) -> UserItem:
    item["updatedAt"] = clock.iso(clock.utcnow())
    try:
        stored = _common.store().replace(_common.USERS, item, etag=item.get("_etag"))
    except PreconditionFailed:
        raise ConflictError("Someone else changed this user; reload and try again.") from None
    return UserItem.model_validate(stored)


def _matches(user: Item, query: UserListQuery) -> bool:
    if query.search:
        needle = query.search.lower()
        haystack = " ".join(
            str(user.get(key, "")) for key in ("firstName", "lastName", "email")
        ).lower()
        if needle not in haystack:
            return False
    return True


def list_users(
    principal: Principal, query: UserListQuery | Mapping[str, Any] | None = None
) -> UserPage:
    """A page of the organization's users (managers and up), sorted by name; filter by role,
    status and a search over name and e-mail."""
    roles.require(principal, roles.USERS_INVITE)
    params = UserListQuery.parse(query or {})
    filters: list[Filter] = []
    if params.role:
        filters.append(Filter("role", "=", _parse_role(params.role).value))
    if params.status:
        filters.append(Filter("status", "=", params.status))
    items = _common.query_all(_common.USERS, principal.organization_id, tuple(filters))
    matching = [item for item in items if _matches(item, params)]
    matching.sort(key=lambda u: (str(u.get("lastName", "")).lower(), str(u.get("firstName", ""))))
    start = (params.page - 1) * params.page_size
    window = matching[start : start + params.page_size]
    return UserPage(
        items=[UserItem.model_validate(item) for item in window],
        total=len(matching),
        page=params.page,
        page_size=params.page_size,
    )


def get_user(principal: Principal, user_id: str) -> UserItem:
    """One user of the organization: oneself, or anyone when a manager or above."""
    if user_id != principal.user_id:
        roles.require(principal, roles.USERS_INVITE)
    return UserItem.model_validate(_load(principal, user_id))


def get_current_user(principal: Principal) -> UserItem:
    return UserItem.model_validate(_load(principal, principal.user_id))


def update_profile(principal: Principal, changes: ProfileUpdate | Mapping[str, Any]) -> UserItem:
    """Change one's own name, title, department or phone."""
    update = ProfileUpdate.parse(changes)
    item = _load(principal, principal.user_id)
    mapping = {
        "first_name": ("firstName",),
        "last_name": ("lastName",),
        "title": ("profile", "title"),
        "department": ("profile", "department"),
        "phone": ("profile", "phone"),
    }
    changed = {}
    for field in update.model_fields_set:
        path = mapping[field]
        target = item.setdefault("profile", {}) if len(path) == 2 else item
        value = getattr(update, field)
        if value is None and len(path) == 1:
            continue  # names cannot be cleared
        if target.get(path[-1]) != value:
            target[path[-1]] = value
            changed[path[-1]] = value
    if not changed:
        return UserItem.model_validate(item)
    saved = _save(item)
    _common.record(
        "user.profile_updated", "user", principal, resource_id=principal.user_id, details=changed
    )
    return saved


def update_preferences(
    principal: Principal, changes: PreferencesUpdate | Mapping[str, Any]
) -> UserItem:
    """Change one's own language, time zone and notification choices."""
    update = PreferencesUpdate.parse(changes)
    item = _load(principal, principal.user_id)
    prefs = item.setdefault("preferences", {})
    notes = prefs.setdefault("notifications", {})
    if update.language is not None:
        prefs["language"] = update.language
    if update.timezone is not None:
        prefs["timezone"] = update.timezone
    if update.notifications_email is not None:
        notes["email"] = update.notifications_email
    if update.notifications_in_app is not None:
        notes["inApp"] = update.notifications_in_app
    saved = _save(item)
    _common.record(
        "user.preferences_updated", "user", principal, resource_id=principal.user_id,
        details=update.model_dump(exclude_none=True),
    )  # fmt: skip
    return saved


def _parse_role(value: object) -> Role:
    try:
        return Role.parse(value)
    except ValueError:
        raise ValidationFailed("role", "Choose one of the listed roles.") from None


def _active_admin_count(organization_id: str) -> int:
    return _common.store().count(
        _common.USERS,
        organization_id,
        (Filter("role", "=", Role.ORG_ADMIN.value), Filter("status", "=", "active")),
    )


def _protect_last_admin(target: Item, field: str, doing: str) -> None:
    """Refuse to demote or deactivate the organization's last active ORG_ADMIN."""
    if target.get("role") != Role.ORG_ADMIN.value or target.get("status") != "active":
        return
    if _active_admin_count(str(target["partitionKey"])) <= 1:
        raise ValidationFailed(
            field,
            f"{target.get('firstName', 'This user')} is the last active organization admin; "
            f"make someone else an organization admin before you {doing}.",
        )


def _managed_target(principal: Principal, user_id: object, doing: str) -> Item:
    """The user a manager acts on: needs users.manage, not oneself, not above oneself."""
    roles.require(principal, roles.USERS_MANAGE)
    target = _load(principal, user_id)
    if target["id"] == principal.user_id:
        raise Forbidden(f"You cannot {doing} yourself.")
    if not roles.can_grant(principal.role, target.get("role", "")):
        raise Forbidden("You cannot change a user whose role is above yours.")
    return target


def change_role(principal: Principal, user_id: str, role: str | Role) -> UserItem:
    """Give a user another role (users.manage; only roles at or below one's own). The user's
    sessions end, so the new role applies from the next log-in."""
    new_role = _parse_role(role)
    target = _managed_target(principal, user_id, "change the role of")
    if not roles.can_grant(principal.role, new_role):
        raise Forbidden("You can only give roles at or below your own.")
    old_role = str(target.get("role"))
    if old_role == new_role.value:
        return UserItem.model_validate(target)
    _protect_last_admin(target, "role", "change this role")
    target["role"] = new_role.value
    target["permissions"] = roles.user_permission_flags(new_role)
    saved = _save(target)
    sessions.revoke_all_sessions(saved.id, "role-changed")
    _common.record(
        "user.role_changed", "user", principal, resource_id=saved.id,
        details={"from": old_role, "to": new_role.value},
    )  # fmt: skip
    return saved


def _set_credential_active(user_id: str, active: bool) -> None:
    with session_scope() as db:
        row = db.exec(select(UserCredential).where(UserCredential.user_id == user_id)).first()
        if row is not None:
            row.is_active = active
            row.updated_at = clock.utcnow()
            db.add(row)


def deactivate_user(principal: Principal, user_id: str) -> UserItem:
    """Switch a user off: no more log-ins, every session ends at once."""
    target = _managed_target(principal, user_id, "deactivate")
    if target.get("status") == "inactive":
        return UserItem.model_validate(target)
    _protect_last_admin(target, "status", "deactivate this user")
    target["status"] = "inactive"
    saved = _save(target)
    _set_credential_active(saved.id, False)
    sessions.revoke_all_sessions(saved.id, "deactivated")
    _common.record("user.deactivated", "user", principal, resource_id=saved.id)
    return saved


def active_user_count(organization_id: str) -> int:
    return _common.store().count(_common.USERS, organization_id, (Filter("status", "=", "active"),))


def reactivate_user(principal: Principal, user_id: str) -> UserItem:
    """Switch a deactivated user back on (within the plan's user limit)."""
    target = _managed_target(principal, user_id, "reactivate")
    if target.get("status") == "active":
        return UserItem.model_validate(target)
    standing = entitlements.standing_of(principal.organization_id)
    entitlements.require_new_work(standing, "status")
    entitlements.require_room(
        standing, "users", active_user_count(principal.organization_id), field="status",
        message="Your plan allows {limit:g} active users; upgrade the plan first.",
    )  # fmt: skip
    target["status"] = "active"
    saved = _save(target)
    _set_credential_active(saved.id, True)
    _common.record("user.reactivated", "user", principal, resource_id=saved.id)
    return saved
