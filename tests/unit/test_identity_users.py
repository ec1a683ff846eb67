"""Users: listing, profile and preferences, role changes, deactivation."""

from __future__ import annotations

import pytest

from ninevectors.models.principal import Principal
from ninevectors.services import audit
from ninevectors.services.backends import get_store
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import auth, sessions, users
from ninevectors.services.identity.roles import Role
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import (
    PASSWORD,
    add_user,
    sign_up,
    token_of,
)

# Shared fixtures (defined in test_identity_support).
identity_env = support.identity_env


@pytest.fixture
def team(identity_env: str) -> dict[str, Principal]:
    """Alpha Ltd with an admin, a manager, a member and a viewer."""
    admin = sign_up().principal
    people = {"admin": admin}
    for name, role in (("max", Role.MANAGER), ("mia", Role.MEMBER), ("vic", Role.VIEWER)):
        people[name] = add_user(admin, f"{name}@alpha.example", role, name.title()).principal
    return people


def test_list_users_filters_searches_and_pages(team: dict[str, Principal]) -> None:
    page = users.list_users(team["admin"])
    assert page.total == 4 and len(page.items) == 4
    assert users.list_users(team["max"], {"role": "MEMBER"}).items[0].email == "mia@alpha.example"
    assert users.list_users(team["admin"], {"search": "VIC"}).total == 1
    assert users.list_users(team["admin"], {"search": "alpha.example"}).total == 4
    second = users.list_users(team["admin"], {"page": 2, "page_size": 3})
    assert len(second.items) == 1 and second.page_count == 2
    users.deactivate_user(team["admin"], team["vic"].user_id)
    assert users.list_users(team["admin"], {"status": "inactive"}).total == 1


def test_list_users_validates_and_needs_a_manager(team: dict[str, Principal]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        users.list_users(team["admin"], {"search": "x" * 101})
    assert caught.value.field == "search"
    with pytest.raises(ValidationFailed):
        users.list_users(team["admin"], {"role": "OWNER"})
    with pytest.raises(ValidationFailed):
        users.list_users(team["admin"], {"page_size": 10_000})
    with pytest.raises(Forbidden):
        users.list_users(team["mia"])


def test_get_user(team: dict[str, Principal]) -> None:
    assert users.get_user(team["mia"], team["mia"].user_id).first_name == "Mia"
    assert users.get_user(team["max"], team["mia"].user_id).role == "MEMBER"
    with pytest.raises(Forbidden):
        users.get_user(team["mia"], team["max"].user_id)
    with pytest.raises(NotFoundError):
        users.get_user(team["admin"], "user_does_not_exist")
    with pytest.raises(NotFoundError):
        users.get_user(team["admin"], {"id": 1})  # type: ignore[arg-type]


def test_update_profile_and_preferences(team: dict[str, Principal]) -> None:
    mia = team["mia"]
    updated = users.update_profile(mia, {"title": "Lead analyst", "last_name": "Moss"})
    assert (updated.profile.title, updated.last_name) == ("Lead analyst", "Moss")
    prefs = users.update_preferences(
        mia, {"timezone": "Europe/Paris", "language": "fr", "notifications_email": False}
    )
    assert prefs.preferences.timezone == "Europe/Paris"
    assert prefs.preferences.notifications.email is False
    assert prefs.preferences.notifications.in_app is True
    entries, _total = audit.list_entries(team["admin"], user_id=mia.user_id)
    assert {"user.profile_updated", "user.preferences_updated"} <= {e["action"] for e in entries}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"first_name": "x" * 101}, "first_name"), ({"first_name": ""}, "first_name"),
     ({"phone": "1" * 41}, "phone"), ({"title": 42}, "title")],
)  # fmt: skip
def test_update_profile_refuses_bad_values(
    team: dict[str, Principal], changes: dict[str, object], field: str
) -> None:
    mia = team["mia"]
    before = get_store().get("users", mia.organization_id, mia.user_id)
    with pytest.raises(ValidationFailed) as caught:
        users.update_profile(mia, changes)
    assert caught.value.field == field
    assert get_store().get("users", mia.organization_id, mia.user_id) == before


def test_update_preferences_refuses_unknown_time_zone(team: dict[str, Principal]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        users.update_preferences(team["mia"], {"timezone": "Mars/Olympus_Mons"})
    assert caught.value.field == "timezone"


def test_change_role_by_admin(team: dict[str, Principal]) -> None:
    updated = users.change_role(team["admin"], team["mia"].user_id, "MANAGER")
    assert updated.role == "MANAGER" and updated.permissions.can_create_assessments
    entries, _total = audit.list_entries(team["admin"], action="user.role_changed")
    assert entries[0]["details"] == {"from": "MEMBER", "to": "MANAGER"}


def test_role_escalation_is_refused(team: dict[str, Principal]) -> None:
    with pytest.raises(Forbidden):  # managers cannot manage users at all
        users.change_role(team["max"], team["mia"].user_id, Role.MANAGER)
    with pytest.raises(Forbidden):  # an admin cannot make a super admin
        users.change_role(team["admin"], team["mia"].user_id, Role.SUPER_ADMIN)
    with pytest.raises(Forbidden):  # nor change their own role
        users.change_role(team["admin"], team["admin"].user_id, Role.MANAGER)
    with pytest.raises(ValidationFailed):
        users.change_role(team["admin"], team["mia"].user_id, "GOD")
    assert users.get_user(team["admin"], team["mia"].user_id).role == "MEMBER"


def test_last_active_org_admin_is_protected(team: dict[str, Principal]) -> None:
    admin = team["admin"]
    boss = Principal("user_super", admin.organization_id, Role.SUPER_ADMIN.value)
    with pytest.raises(ValidationFailed) as demote:
        users.change_role(boss, admin.user_id, Role.MANAGER)
    assert "last active organization admin" in demote.value.message
    with pytest.raises(ValidationFailed) as deactivate:
        users.deactivate_user(boss, admin.user_id)
    assert "last active organization admin" in deactivate.value.message
    users.change_role(admin, team["max"].user_id, Role.ORG_ADMIN)  # a second admin ...
    users.change_role(boss, admin.user_id, Role.MANAGER)  # ... lets the first step down
    assert users.get_user(boss, admin.user_id).role == "MANAGER"


def test_admin_cannot_act_on_a_super_admin(team: dict[str, Principal]) -> None:
    admin = team["admin"]
    boss = Principal("x", admin.organization_id, Role.SUPER_ADMIN.value)
    users.change_role(boss, team["vic"].user_id, Role.SUPER_ADMIN)
    with pytest.raises(Forbidden):
        users.change_role(admin, team["vic"].user_id, Role.VIEWER)
    with pytest.raises(Forbidden):
        users.deactivate_user(admin, team["vic"].user_id)


def test_deactivation_revokes_every_session_at_once(team: dict[str, Principal]) -> None:
    logins = [auth.login("mia@alpha.example", PASSWORD) for _ in range(3)]
    assert all(sessions.resolve_session(token_of(s)) for s in logins)
    users.deactivate_user(team["admin"], team["mia"].user_id)
    assert not any(sessions.resolve_session(token_of(s)) for s in logins)
    assert sessions.active_session_count(team["mia"].user_id) == 0
    with pytest.raises(Forbidden):
        users.deactivate_user(team["admin"], team["admin"].user_id)
    users.reactivate_user(team["admin"], team["mia"].user_id)
    assert auth.login("mia@alpha.example", PASSWORD)
    actions = {e["action"] for e in audit.list_entries(team["admin"], page_size=100)[0]}
    assert {"user.deactivated", "user.reactivated"} <= actions


def test_reactivation_respects_the_plan_limit(team: dict[str, Principal]) -> None:
    admin = team["admin"]
    users.deactivate_user(admin, team["vic"].user_id)
    org_id = admin.organization_id
    item = get_store().get("organizations", org_id, org_id)
    item["settings"]["maxUsers"] = 3
    get_store().replace("organizations", item)
    with pytest.raises(ValidationFailed) as caught:
        users.reactivate_user(admin, team["vic"].user_id)
    assert "allows 3" in caught.value.message
