"""Tenant isolation: every service entry point that takes a principal, called as an admin of
organization A with organization B's ids, answers "not found"/"forbidden" or with nothing of B,
and leaves B's data as it was.

Entry points are discovered by introspection (every public function whose first parameter is
``principal`` in the identity, audit and e-mail modules); ``CALLS`` says how to call each one,
and the test fails when a discovered function has no entry, so a new entry point cannot
slip in untested. Runs on the SQL document store (SQLite) with the memory and Redis caches.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
import redis
from sqlmodel import select

import ninevectors.services.identity as identity_package
from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog, OneTimeToken, OutboxEmail, UserCredential
from ninevectors.services import audit
from ninevectors.services import email as mail
from ninevectors.services.backends import get_store, reset_backends
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import (
    auth,
    invitations,
    organizations,
    passwords,
    roles,
    users,
)
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import Query
from ninevectors.settings import get_settings
from tests.unit.test_identity_support import CHEAP_HASHER, PASSWORD, add_user, sign_up

B_ORG_NAME = "Beta Secret Project"


@dataclass
class TenantB:
    org_id: str
    admin_id: str
    member_id: str
    member_email: str
    invitation_id: str

    def markers(self) -> list[str]:
        """Strings that must never appear in what organization A is shown."""
        return [
            self.org_id, self.admin_id, self.member_id, self.member_email, self.invitation_id,
            "bob@beta.example", "guest@beta.example", B_ORG_NAME,
        ]  # fmt: skip


def _modules() -> list[ModuleType]:
    found = [
        importlib.import_module(f"{identity_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(identity_package.__path__)
    ]
    return [*found, audit, mail]


def discover_principal_functions() -> dict[str, Callable[..., Any]]:
    """``module.function`` → function, for every public function taking ``principal`` first."""
    discovered: dict[str, Callable[..., Any]] = {}
    for module in _modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters and parameters[0] == "principal":
                short = module.__name__.rsplit(".", 1)[-1]
                discovered[f"{short}.{name}"] = function
    return discovered


Call = Callable[[Principal, TenantB], Any]

CALLS: dict[str, Call] = {
    "roles.require": lambda p, b: roles.require(p, roles.USERS_MANAGE),
    "organizations.get_organization": lambda p, b: organizations.get_organization(p, b.org_id),
    "organizations.update_organization": lambda p, b: organizations.update_organization(
        p, {"name": "Alpha Renamed", "primary_color": "#123456"}
    ),
    "users.list_users": lambda p, b: users.list_users(p, {"search": "beta"}),
    "users.get_user": lambda p, b: users.get_user(p, b.member_id),
    "users.get_current_user": lambda p, b: users.get_current_user(p),
    "users.update_profile": lambda p, b: users.update_profile(p, {"title": "Chief"}),
    "users.update_preferences": lambda p, b: users.update_preferences(p, {"language": "de"}),
    "users.change_role": lambda p, b: users.change_role(p, b.member_id, Role.VIEWER),
    "users.deactivate_user": lambda p, b: users.deactivate_user(p, b.member_id),
    "users.reactivate_user": lambda p, b: users.reactivate_user(p, b.member_id),
    "invitations.invite": lambda p, b: invitations.invite(p, b.member_email, Role.MEMBER),
    "invitations.list_invitations": lambda p, b: invitations.list_invitations(p, True),
    "invitations.revoke_invitation": lambda p, b: invitations.revoke_invitation(p, b.invitation_id),
    "auth.change_password": lambda p, b: auth.change_password(
        p, {"current_password": PASSWORD, "new_password": PASSWORD}
    ),
    "audit.require_admin": lambda p, b: audit.require_admin(p),
    "audit.list_entries": lambda p, b: (
        audit.list_entries(p, user_id=b.admin_id),
        audit.list_entries(p, page_size=500),
    ),
    "audit.export_csv": lambda p, b: (
        audit.export_csv(p, user_id=b.member_id),
        audit.export_csv(p),
    ),
    "email.list_outbox": lambda p, b: mail.list_outbox(p, page_size=500),
}


def test_every_principal_entry_point_is_covered() -> None:
    discovered = set(discover_principal_functions())
    assert discovered, "introspection found no entry points"
    missing = sorted(discovered - set(CALLS))
    stale = sorted(set(CALLS) - discovered)
    assert not missing, f"add these entry points to CALLS: {missing}"
    assert not stale, f"CALLS names functions that no longer exist: {stale}"


@pytest.fixture(params=["memory", "redis"])
def backends(
    request: pytest.FixtureRequest, temp_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    url = ""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
    monkeypatch.setenv("NINEVECTORS_STORE_BACKEND", "sql")
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", request.param)
    monkeypatch.setenv("NINEVECTORS_REDIS_URL", url)
    get_settings.cache_clear()
    reset_backends()
    yield request.param
    get_store().close()
    reset_backends()


def build_tenant_b() -> TenantB:
    admin = sign_up("bob@beta.example", B_ORG_NAME).principal
    member = add_user(admin, "mia@beta.example", Role.MEMBER).principal
    invitation = invitations.invite(admin, "guest@beta.example", Role.VIEWER)
    users.update_profile(member, {"title": "Beta insider"})
    return TenantB(admin.organization_id, admin.user_id, member.user_id, "mia@beta.example",
                   invitation.id)  # fmt: skip


def snapshot_b(b: TenantB) -> dict[str, Any]:
    """Everything organization B owns, to compare before and after A's attempts."""
    store = get_store()
    items = {
        container: sorted(
            (store.query(container, b.org_id, Query(limit=500)).items), key=lambda i: i["id"]
        )
        for container in ("organizations", "users", "invitations")
    }
    with session_scope() as db:
        creds = db.exec(select(UserCredential).where(UserCredential.organization_id == b.org_id))
        tokens = db.exec(select(OneTimeToken).where(OneTimeToken.organization_id == b.org_id))
        items["sql"] = sorted(repr(row.model_dump()) for row in [*creds.all(), *tokens.all()])
    return items


def principal_of_a(role: Role) -> Principal:
    """A real, logged-in principal of organization A with ``role`` (via its session)."""
    admin = sign_up("ada@alpha.example", "Alpha Ltd").principal
    add_user(admin, "max@alpha.example", Role.MANAGER)
    if role is Role.ORG_ADMIN:
        token = auth.login("ada@alpha.example", PASSWORD).token
    else:
        boss = add_user(admin, "sam@alpha.example", Role.MEMBER).principal
        promoter = Principal("system", admin.organization_id, Role.SUPER_ADMIN.value)
        users.change_role(promoter, boss.user_id, role)
        token = auth.login("sam@alpha.example", PASSWORD).token
    resolved = auth.resolve_session(token, "203.0.113.7", "isolation-test")
    assert resolved is not None and resolved.role == role.value
    return resolved


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.SUPER_ADMIN])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_organization_a_sees_and_changes_nothing_of_b(backends: str, role: Role, name: str) -> None:
    b = build_tenant_b()
    a = principal_of_a(role)
    before = snapshot_b(b)
    try:
        result = CALLS[name](a, b)
    except (NotFoundError, Forbidden):
        result = None
    except ValidationFailed as refused:  # e.g. "already has an account": must not say where
        result = refused.message
    shown = repr(result)
    leaked = [marker for marker in b.markers() if marker in shown]
    assert not leaked, f"{name} showed organization B's data to A: {leaked}"
    assert snapshot_b(b) == before, f"{name} changed organization B's data"


def test_b_audit_and_outbox_exist_so_the_checks_mean_something(backends: str) -> None:
    b = build_tenant_b()
    with session_scope() as db:
        audit_rows = db.exec(select(AuditLog).where(AuditLog.organization_id == b.org_id)).all()
        outbox = db.exec(select(OutboxEmail).where(OutboxEmail.organization_id == b.org_id)).all()
    assert audit_rows and outbox
    b_admin = Principal(b.admin_id, b.org_id, Role.ORG_ADMIN.value)
    assert audit.list_entries(b_admin)[1] > 0
    assert mail.list_outbox(b_admin)[1] > 0
    assert users.get_user(b_admin, b.member_id).email == b.member_email
