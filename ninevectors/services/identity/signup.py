"""Sign-up: a new organization with its first ORG_ADMIN, all or nothing.

The steps span two systems: the document store (organization and user items) and the
relational database (the Organization anchor row and the user's credential, one
transaction). Store items are written first and deleted again when anything after them
fails, so a failed sign-up leaves nothing behind. The SQL transaction is never held open
while the store writes (on SQLite both may share one file and one writer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from ninevectors.models.tables import UserCredential
from ninevectors.services import ratelimit
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import (
    _common,
    auth,
    clock,
    organizations,
    passwords,
    sessions,
    users,
)
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.schemas import SignUpInput
from ninevectors.services.identity.sessions import LoginResult

DUPLICATE_EMAIL = "An account with this e-mail already exists."


def email_taken(email: str) -> bool:
    return auth.credential_by_email(email) is not None


def _write_relational(org: organizations.OrganizationItem, user_id: str, password_hash: str,
                      email: str) -> None:  # fmt: skip
    now = clock.utcnow()
    try:
        with session_scope() as db:
            db.add(organizations.relational_row(org))
            db.flush()  # the anchor row first: credentials may reference it
            db.add(
                UserCredential(
                    user_id=user_id,
                    organization_id=org.id,
                    email=email,
                    password_hash=password_hash,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise ValidationFailed("email", DUPLICATE_EMAIL) from None


def sign_up(
    data: SignUpInput | Mapping[str, Any],
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> LoginResult:
    """Create the organization and its first admin, and log the admin in.

    A client gets SIGNUP_PER_CLIENT tries an hour once the form is valid (TooManyAttempts
    says when to try again): each costs a password hash, and "already exists" answers would
    otherwise list who has an account.
    """
    form = SignUpInput.parse(data)
    passwords.check_password_policy(form.password, form.email)
    ratelimit.enforce(
        ratelimit.SIGNUP_PER_CLIENT,
        ratelimit.client_key(ip_address),
        now=clock.utcnow().timestamp(),
    )
    if email_taken(form.email):
        raise ValidationFailed("email", DUPLICATE_EMAIL)
    password_hash = passwords.hash_password(form.password)
    org = organizations.build_organization(
        form.organization_name,
        plan=form.plan,
        domain=form.domain,
        industry=form.industry,
        size=form.size,
    )
    user = users.build_user(org.id, form.email, form.first_name, form.last_name, Role.ORG_ADMIN)
    created: list[tuple[str, str]] = []
    try:
        _common.store().create(_common.ORGANIZATIONS, org.to_item())
        created.append((_common.ORGANIZATIONS, org.id))
        _common.store().create(_common.USERS, user.to_item())
        created.append((_common.USERS, user.id))
        _write_relational(org, user.id, password_hash, form.email)
    except BaseException:
        for container, item_id in reversed(created):
            _common.delete_quietly(container, org.id, item_id)
        raise
    result = sessions.begin_session(user.id, org.id, Role.ORG_ADMIN.value, ip_address, user_agent)
    _common.record(
        "organization.created", "organization", result.principal, resource_id=org.id,
        details={"name": org.name, "plan": org.plan},
    )  # fmt: skip
    _common.record("user.created", "user", result.principal, resource_id=user.id,
                   details={"role": Role.ORG_ADMIN.value, "via": "sign-up"})  # fmt: skip
    return result
