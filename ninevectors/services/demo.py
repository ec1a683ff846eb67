"""Demo data: "Acme Corporation" with one user per role, for trying the product locally.

:func:`load_demo_data` is idempotent: it creates only what is missing, so loading twice
changes nothing. Every demo user shares the documented password ``DEMO_PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from ninevectors.models.tables import Organization, UserCredential
from ninevectors.services.database import session_scope
from ninevectors.services.identity import _common, clock, organizations, passwords, users
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import NotFound

DEMO_PASSWORD = "NineVectors!2026"
DEMO_ORGANIZATION_ID = "org_acme_demo"
DEMO_ORGANIZATION_NAME = "Acme Corporation"
DEMO_DOMAIN = "acme.com"

# (e-mail local part, first name, last name, role, title)
DEMO_USERS: tuple[tuple[str, str, str, Role, str], ...] = (
    ("superadmin", "Sam", "Super", Role.SUPER_ADMIN, "Platform owner"),
    ("admin", "Ada", "Admin", Role.ORG_ADMIN, "CEO"),
    ("manager", "Max", "Manager", Role.MANAGER, "Head of Strategy"),
    ("member", "Mia", "Member", Role.MEMBER, "Analyst"),
    ("viewer", "Vic", "Viewer", Role.VIEWER, "Board observer"),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


def _ensure_organization() -> None:
    org = organizations.build_organization(
        DEMO_ORGANIZATION_NAME,
        plan="enterprise",
        domain=DEMO_DOMAIN,
        industry="Manufacturing",
        size="201-1000",
        organization_id=DEMO_ORGANIZATION_ID,
    )
    try:
        _common.store().get(_common.ORGANIZATIONS, org.id, org.id)
    except NotFound:
        _common.store().create(_common.ORGANIZATIONS, org.to_item())
    with session_scope() as db:
        if db.get(Organization, org.id) is None:
            db.add(organizations.relational_row(org))


def _ensure_user(local: str, first: str, last: str, role: Role, title: str) -> DemoLogin:
    email = f"{local}@{DEMO_DOMAIN}"
    user_id = f"user_acme_{local}"
    try:
        _common.store().get(_common.USERS, DEMO_ORGANIZATION_ID, user_id)
    except NotFound:
        user = users.build_user(DEMO_ORGANIZATION_ID, email, first, last, role, user_id=user_id)
        user.profile.title = title
        _common.store().create(_common.USERS, user.to_item())
    with session_scope() as db:
        found = db.exec(select(UserCredential).where(UserCredential.email == email)).first()
        if found is None:
            now = clock.utcnow()
            db.add(
                UserCredential(
                    user_id=user_id,
                    organization_id=DEMO_ORGANIZATION_ID,
                    email=email,
                    password_hash=passwords.hash_password(DEMO_PASSWORD),
                    created_at=now,
                    updated_at=now,
                )
            )
    return DemoLogin(email=email, password=DEMO_PASSWORD, role=role.value)


def load_demo_data() -> list[DemoLogin]:
    """Create the demo organization and users where missing; return their log-ins."""
    _ensure_organization()
    return [_ensure_user(*spec) for spec in DEMO_USERS]
