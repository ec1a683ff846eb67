"""Sign-up (all or nothing) and organization settings."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

from ninevectors.models.tables import AuditLog, Organization, UserCredential
from ninevectors.services import audit, ratelimit
from ninevectors.services.backends import get_store
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import organizations, sessions, signup
from ninevectors.services.identity.roles import Role
from ninevectors.services.ratelimit import TooManyAttempts
from ninevectors.services.store.base import StoreError
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import (
    PASSWORD,
    FakeClock,
    add_user,
    sign_up,
    token_of,
)

# Shared fixtures (see test_identity_support).
fake_clock = support.fake_clock
identity_env = support.identity_env

CLIENT = "203.0.113.5"


def footprint() -> dict[str, int]:
    """How many identity records exist anywhere (store items and relational rows)."""
    store = get_store()
    counts = {name: store.count(name, None) for name in ("organizations", "users", "invitations")}
    with session_scope() as db:
        counts["sql_orgs"] = db.exec(select(func.count()).select_from(Organization)).one()
        counts["credentials"] = db.exec(select(func.count()).select_from(UserCredential)).one()
    return counts


def form(**changes: Any) -> dict[str, Any]:
    data = {
        "organization_name": "Beta Inc",
        "email": "Bob@Beta.example",
        "password": PASSWORD,
        "first_name": "Bob",
        "last_name": "Builder",
        "industry": "Construction",
        "size": "11-50",
        "plan": "professional",
    }
    data.update(changes)
    return data


def test_sign_up_creates_everything_and_logs_in(identity_env: str) -> None:
    result = signup.sign_up(form(), ip_address="10.0.0.1", user_agent="pytest")
    principal = result.principal
    assert principal.role == "ORG_ADMIN"
    org = organizations.get_organization(principal)
    assert org.name == "Beta Inc" and org.plan == "professional"
    assert org.settings.max_users == 50 and "360-review" in org.settings.features
    assert org.settings.branding.colors.primary == "#10b981"
    item = get_store().get("organizations", org.id, org.id)
    assert item["partitionKey"] == org.id and item["settings"]["maxUsers"] == 50
    user = get_store().get("users", org.id, principal.user_id)
    assert user["email"] == "bob@beta.example" and user["role"] == "ORG_ADMIN"
    assert user["permissions"]["canManageUsers"] is True
    assert footprint() == {
        "organizations": 1, "users": 1, "invitations": 0, "sql_orgs": 1, "credentials": 1,
    }  # fmt: skip
    resolved = sessions.resolve_session(token_of(result))
    assert resolved is not None and resolved.user_id == principal.user_id


def test_duplicate_email_is_refused_and_nothing_is_created(identity_env: str) -> None:
    signup.sign_up(form())
    before = footprint()
    with pytest.raises(ValidationFailed) as caught:
        signup.sign_up(form(email="BOB@beta.example", organization_name="Other"))
    assert caught.value.field == "email"
    assert "already exists" in caught.value.message
    assert footprint() == before


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"password": "short"}, "password", "at least 10"),
        ({"password": "bob@beta.example"}, "password", "e-mail"),
        ({"organization_name": "x" * 101}, "organization_name", "at most 100"),
        ({"first_name": "x" * 101}, "first_name", "at most 100"),
        ({"last_name": ""}, "last_name", "required"),
        ({"email": "a" * 250 + "@b.example"}, "email", ""),
        ({"email": "not-an-email"}, "email", "valid e-mail"),
        ({"plan": "platinum"}, "plan", "one of"),
        ({"size": "huge"}, "size", "one of"),
    ],
)
def test_bad_input_gives_a_specific_error_and_changes_nothing(
    identity_env: str, changes: dict[str, Any], field: str, fragment: str
) -> None:
    before = footprint()
    with pytest.raises(ValidationFailed) as caught:
        signup.sign_up(form(**changes))
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert footprint() == before


def test_wrong_payload_type_is_refused(identity_env: str) -> None:
    with pytest.raises(ValidationFailed):
        signup.sign_up("not a form")  # type: ignore[arg-type]


def test_sql_failure_removes_the_store_items(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(signup, "_write_relational", broken)
    with pytest.raises(RuntimeError):
        signup.sign_up(form())
    assert all(count == 0 for count in footprint().values())


def test_store_failure_leaves_nothing(identity_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = get_store()
    real_create = store.create

    def failing_create(container: str, item: dict[str, Any]) -> dict[str, Any]:
        if container == "users":
            raise StoreError("store unavailable")
        return real_create(container, item)

    monkeypatch.setattr(store, "create", failing_create)
    with pytest.raises(StoreError):
        signup.sign_up(form())
    assert all(count == 0 for count in footprint().values())


def test_race_on_the_same_email_is_a_clear_error(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    signup.sign_up(form())
    before = footprint()
    monkeypatch.setattr(signup, "email_taken", lambda _email: False)  # lost the race
    with pytest.raises(ValidationFailed) as caught:
        signup.sign_up(form(organization_name="Late"))
    assert caught.value.field == "email"
    assert footprint() == before


def test_sign_up_is_limited_per_client(identity_env: str, fake_clock: FakeClock) -> None:
    for _attempt in range(3):  # a refused form costs nothing and is not counted
        with pytest.raises(ValidationFailed):
            signup.sign_up(form(password="short"), ip_address=CLIENT)
    for number in range(ratelimit.SIGNUP_PER_CLIENT.limit):
        signup.sign_up(form(email=f"owner{number}@beta.example"), ip_address=CLIENT)
    before = footprint()
    fake_clock.advance(minutes=20)
    with pytest.raises(TooManyAttempts) as caught:
        signup.sign_up(form(email="one-more@beta.example"), ip_address=CLIENT)
    assert caught.value.retry_after == 40 * 60
    assert str(caught.value) == "Too many attempts — try again in 40 min."
    assert footprint() == before
    signup.sign_up(form(email="elsewhere@beta.example"), ip_address="192.0.2.99")
    fake_clock.advance(minutes=40)
    signup.sign_up(form(email="one-more@beta.example"), ip_address=CLIENT)


def test_get_organization_is_scoped(identity_env: str) -> None:
    alpha = sign_up().principal
    beta = sign_up("bob@beta.example", "Beta").principal
    assert organizations.get_organization(alpha).id == alpha.organization_id
    assert organizations.get_organization(alpha, alpha.organization_id).name == "Alpha Ltd"
    with pytest.raises(NotFoundError):
        organizations.get_organization(alpha, beta.organization_id)


def test_update_organization_by_admin_is_audited(identity_env: str) -> None:
    admin = sign_up().principal
    updated = organizations.update_organization(
        admin,
        {"name": "Alpha Group", "primary_color": "#ABCDEF", "industry": "Retail", "size": "51-200"},
    )
    assert updated.name == "Alpha Group"
    assert updated.settings.branding.colors.primary == "#abcdef"
    assert (updated.industry, updated.size) == ("Retail", "51-200")
    with session_scope() as db:
        row = db.get(Organization, admin.organization_id)
        assert row is not None and row.name == "Alpha Group"
        actions = db.exec(select(AuditLog.action)).all()
    assert "organization.updated" in actions
    entries, _total = audit.list_entries(admin, action="organization.updated")
    assert entries[0]["details"]["primaryColor"] == "#abcdef"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"primary_color": "red"}, "primary_color"), ({"name": "n" * 101}, "name"),
     ({"name": ""}, "name"), ({"size": "lots"}, "size")],
)  # fmt: skip
def test_update_organization_refuses_bad_values(
    identity_env: str, changes: dict[str, str], field: str
) -> None:
    admin = sign_up().principal
    before = get_store().get("organizations", admin.organization_id, admin.organization_id)
    with pytest.raises(ValidationFailed) as caught:
        organizations.update_organization(admin, changes)
    assert caught.value.field == field
    after = get_store().get("organizations", admin.organization_id, admin.organization_id)
    assert after == before


def test_update_organization_needs_an_admin(identity_env: str) -> None:
    admin = sign_up().principal
    manager = add_user(admin, "max@alpha.example", Role.MANAGER).principal
    with pytest.raises(Forbidden):
        organizations.update_organization(manager, {"name": "Mine now"})
    assert organizations.get_organization(manager).name == "Alpha Ltd"


def test_plan_defaults() -> None:
    assert organizations.plan_settings("starter").max_users == 10
    enterprise = organizations.plan_settings("enterprise")
    assert (enterprise.max_users, enterprise.max_assessments) == (100, 50)
    assert enterprise.features == ["ai-coaching", "360-review", "benchmarking", "sso", "api-access"]
