"""Demo data: Acme Corporation with one user per role, loaded idempotently."""

from __future__ import annotations

from sqlmodel import select

from ninevectors.models.tables import Organization, UserCredential
from ninevectors.services.backends import get_store
from ninevectors.services.database import session_scope
from ninevectors.services.demo import DEMO_ORGANIZATION_ID, DEMO_PASSWORD, load_demo_data
from ninevectors.services.identity import auth, organizations, users
from ninevectors.services.store.base import Query
from tests.unit import test_identity_support as support

# Shared fixtures (defined in test_identity_support).
identity_env = support.identity_env


def snapshot() -> tuple[list[dict[str, object]], list[tuple[str, str]]]:
    store = get_store()
    items = [
        store.get("organizations", DEMO_ORGANIZATION_ID, DEMO_ORGANIZATION_ID),
        *store.query("users", DEMO_ORGANIZATION_ID, Query()).items,
    ]
    with session_scope() as db:
        creds = [(c.email, c.password_hash or "") for c in db.exec(select(UserCredential)).all()]
        creds.sort()
    return items, creds


def test_demo_users_can_log_in_with_their_roles(identity_env: str) -> None:
    logins = load_demo_data()
    assert [login.email for login in logins] == [
        "superadmin@acme.com", "admin@acme.com", "manager@acme.com",
        "member@acme.com", "viewer@acme.com",
    ]  # fmt: skip
    assert DEMO_PASSWORD == "NineVectors!2026"  # the README shows it
    assert {login.password for login in logins} == {DEMO_PASSWORD}
    for login in logins:
        principal = auth.login(login.email, login.password).principal
        assert principal.role == login.role
        assert principal.organization_id == DEMO_ORGANIZATION_ID
    admin = auth.login("admin@acme.com", DEMO_PASSWORD).principal
    org = organizations.get_organization(admin)
    assert (org.name, org.domain, org.plan) == ("Acme Corporation", "acme.com", "enterprise")
    assert users.list_users(admin).total == 5
    with session_scope() as db:
        assert db.get(Organization, DEMO_ORGANIZATION_ID) is not None


def test_loading_twice_changes_nothing(identity_env: str) -> None:
    first = load_demo_data()
    before = snapshot()
    assert load_demo_data() == first
    assert snapshot() == before
