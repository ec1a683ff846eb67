"""Invitations: managers and admins invite people by e-mail to join their organization.

The invitation item (store, the organization's partition) is what admins list and revoke;
the token (relational ``OneTimeToken``, only its SHA-256 kept) is what the e-mailed link
carries. Accepting creates the user and the credential and uses the token up at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, update

from ninevectors.models.identity import InvitationItem
from ninevectors.models.principal import Principal
from ninevectors.models.tables import OneTimeToken, UserCredential
from ninevectors.services import email as mail
from ninevectors.services import ratelimit
from ninevectors.services.billing import entitlements
from ninevectors.services.database import session_scope
from ninevectors.services.errors import NotFoundError, ValidationFailed
from ninevectors.services.identity import (
    _common,
    auth,
    clock,
    organizations,
    passwords,
    roles,
    sessions,
    sso,
)
from ninevectors.services.identity import users as user_service
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.schemas import AcceptInvitationInput, InviteInput
from ninevectors.services.identity.sessions import LoginResult
from ninevectors.services.store.base import Filter, Item
from ninevectors.settings import get_settings

INVITATION_TTL = timedelta(days=3)
ALREADY_HAS_ACCOUNT = "This e-mail address already has an account."
JOIN_WITH_SSO = "Your organization signs in with SSO. Use Join with SSO."
INVALID_LINK = "This invitation link is not valid."
USED_LINK = "This invitation has already been used. Log in instead."
EXPIRED_LINK = "This invitation has expired. Ask for a new one."
REVOKED_LINK = "This invitation was withdrawn. Ask for a new one."


@dataclass(frozen=True)
class InvitationInfo:
    """What the accept page shows."""

    organization_name: str
    email: str
    role: str
    role_label: str
    expires_at: datetime


def _is_expired(item: Item | InvitationItem, now: datetime) -> bool:
    expires = item.expires_at if isinstance(item, InvitationItem) else item["expiresAt"]
    return clock.parse_iso(expires) <= now


def _pending(organization_id: str, now: datetime) -> list[Item]:
    items = _common.query_all(
        _common.INVITATIONS, organization_id, (Filter("status", "=", "pending"),)
    )
    return [item for item in items if not _is_expired(item, now)]


def _check_room(organization_id: str, now: datetime) -> None:
    standing = entitlements.standing_of(organization_id)
    entitlements.require_new_work(standing, "email", now)
    used = user_service.active_user_count(organization_id) + len(_pending(organization_id, now))
    entitlements.require_room(
        standing, "users", used, field="email", now=now,
        message="Your plan allows {limit:g} users and all seats are taken or invited. "
        "Upgrade the plan, deactivate a user or revoke an invitation first.",
    )  # fmt: skip


def _check_invitable(principal: Principal, email: str, now: datetime) -> None:
    if auth.credential_by_email(email) is not None:
        raise ValidationFailed("email", ALREADY_HAS_ACCOUNT)
    if any(item["email"] == email for item in _pending(principal.organization_id, now)):
        raise ValidationFailed("email", "An invitation to this e-mail address is already pending.")
    _check_room(principal.organization_id, now)


def _invitation_email(org_name: str, inviter: str, role: Role, link: str) -> tuple[str, str]:
    app = get_settings().app_name
    subject = f"You are invited to join {org_name} on {app}"
    text = (
        f"{inviter} invited you to join {org_name} on {app} as {role.label}.\n\n"
        f"Accept the invitation here (valid for 3 days):\n{link}\n"
    )
    return subject, text


def _inviter_name(principal: Principal) -> str:
    try:
        return user_service.get_current_user(principal).full_name
    except NotFoundError:
        return "A colleague"


def invite(principal: Principal, email: str, role: str | Role) -> InvitationItem:
    """Invite ``email`` as ``role`` (users.invite, managers and up; roles up to one's own)."""
    roles.require(principal, roles.USERS_INVITE)
    form = InviteInput.parse(
        {"email": email, "role": role if isinstance(role, str) else role.value}
    )
    try:
        granted = Role.parse(form.role)
    except ValueError:
        raise ValidationFailed("role", "Choose one of the listed roles.") from None
    if not roles.can_grant(principal.role, granted):
        raise ValidationFailed("role", "You can only invite people with a role at or below yours.")
    now = clock.utcnow()
    _check_invitable(principal, form.email, now)
    token = _common.new_token()
    item = InvitationItem(
        id=_common.new_id("inv"),
        organization_id=principal.organization_id,
        email=form.email,
        role=granted.value,
        invited_by=principal.user_id,
        created_at=clock.iso(now),
        expires_at=clock.iso(now + INVITATION_TTL),
        token_hash=_common.token_hash(token),
        partition_key=principal.organization_id,
    )
    stored = _common.store().create(_common.INVITATIONS, item.to_item())
    try:
        with session_scope() as db:
            db.add(
                OneTimeToken(
                    token_hash=item.token_hash,
                    purpose="invitation",
                    organization_id=principal.organization_id,
                    email=form.email,
                    role=granted.value,
                    expires_at=now + INVITATION_TTL,
                    created_at=now,
                    created_by=principal.user_id,
                )
            )
    except BaseException:
        _common.delete_quietly(_common.INVITATIONS, principal.organization_id, item.id)
        raise
    org = organizations.load_organization(principal.organization_id)
    link = f"{get_settings().public_url}/accept-invite?token={token}"
    subject, text = _invitation_email(org.name, _inviter_name(principal), granted, link)
    mail.send_email(form.email, subject, text, organization_id=principal.organization_id)
    _common.record(
        "invitation.created", "invitation", principal, resource_id=item.id,
        details={"email": form.email, "role": granted.value},
    )  # fmt: skip
    return InvitationItem.model_validate(stored)


def list_invitations(principal: Principal, include_closed: bool = False) -> list[InvitationItem]:
    """The organization's invitations, newest first (pending only unless ``include_closed``)."""
    roles.require(principal, roles.USERS_INVITE)
    filters = () if include_closed else (Filter("status", "=", "pending"),)
    items = _common.query_all(_common.INVITATIONS, principal.organization_id, filters)
    items.sort(key=lambda item: str(item.get("createdAt", "")), reverse=True)
    return [InvitationItem.model_validate(item) for item in items]


def revoke_invitation(principal: Principal, invitation_id: str) -> InvitationItem:
    """Withdraw a pending invitation: its link stops working at once."""
    roles.require(principal, roles.USERS_INVITE)
    item = _common.get_item(
        _common.INVITATIONS, principal.organization_id, invitation_id, "Invitation"
    )
    if item.get("status") != "pending":
        raise ValidationFailed("invitation", "Only a pending invitation can be revoked.")
    now = clock.utcnow()
    with session_scope() as db:
        db.exec(
            update(OneTimeToken)
            .where(
                col(OneTimeToken.token_hash) == item["tokenHash"],
                col(OneTimeToken.organization_id) == principal.organization_id,
                col(OneTimeToken.used_at).is_(None),
            )
            .values(used_at=now)
        )
    item["status"] = "revoked"
    item["revokedAt"] = clock.iso(now)
    stored = _common.store().replace(_common.INVITATIONS, item)
    _common.record(
        "invitation.revoked", "invitation", principal, resource_id=item["id"],
        details={"email": item["email"]},
    )  # fmt: skip
    return InvitationItem.model_validate(stored)


# --- the invited person's side (before they have an account) --------------------------------


def _token_row(token: object) -> OneTimeToken:
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ValidationFailed("token", INVALID_LINK)
    with session_scope() as db:
        row = db.get(OneTimeToken, _common.token_hash(token))
    if row is None or row.purpose != "invitation" or not row.role:
        raise ValidationFailed("token", INVALID_LINK)
    return row


def _open_invitation(token: object, now: datetime) -> tuple[OneTimeToken, Item]:
    """The token row and its invitation item, or a clear error (used, revoked, expired)."""
    row = _token_row(token)
    found = _common.query_all(
        _common.INVITATIONS, row.organization_id, (Filter("tokenHash", "=", row.token_hash),)
    )
    if not found:
        raise ValidationFailed("token", INVALID_LINK)
    item = found[0]
    if item.get("status") == "revoked":
        raise ValidationFailed("token", REVOKED_LINK)
    if row.used_at is not None or item.get("status") != "pending":
        raise ValidationFailed("token", USED_LINK)
    if clock.aware(row.expires_at) <= now:
        raise ValidationFailed("token", EXPIRED_LINK)
    return row, item


def describe_invitation(token: object) -> InvitationInfo:
    """Organization, e-mail and role of an invitation link, for the accept page."""
    row, item = _open_invitation(token, clock.utcnow())
    org = organizations.load_organization(row.organization_id)
    role = Role.parse(item["role"])
    return InvitationInfo(
        organization_name=org.name,
        email=row.email,
        role=role.value,
        role_label=role.label,
        expires_at=clock.aware(row.expires_at),
    )


def _claim(row: OneTimeToken, user_id: str, password_hash: str, now: datetime) -> None:
    """Use the token up and create the credential, in one transaction."""
    try:
        with session_scope() as db:
            claimed = db.exec(
                update(OneTimeToken)
                .where(
                    col(OneTimeToken.token_hash) == row.token_hash,
                    col(OneTimeToken.used_at).is_(None),
                )
                .values(used_at=now, user_id=user_id)
            )
            if claimed.rowcount != 1:
                raise ValidationFailed("token", USED_LINK)
            db.add(
                UserCredential(
                    user_id=user_id,
                    organization_id=row.organization_id,
                    email=row.email,
                    password_hash=password_hash,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise ValidationFailed("email", ALREADY_HAS_ACCOUNT) from None


def accept_invitation(
    token: object,
    first_name: object,
    last_name: object,
    password: object,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> LoginResult:
    """Create the invited user (name and password from the form) and log them in.

    A client gets ACCEPT_INVITATION_PER_CLIENT failed tries (TooManyAttempts past them); an
    accepted invitation is given back, so a whole office can join from one address.
    """
    form = AcceptInvitationInput.parse(
        {"first_name": first_name, "last_name": last_name, "password": password}
    )
    now = clock.utcnow()
    client, moment = ratelimit.client_key(ip_address), now.timestamp()
    ratelimit.enforce(ratelimit.ACCEPT_INVITATION_PER_CLIENT, client, now=moment)
    row, item = _open_invitation(token, now)
    if sso.hint_for_email(row.email).required:
        raise ValidationFailed("password", JOIN_WITH_SSO)
    passwords.check_password_policy(form.password, row.email)
    if auth.credential_by_email(row.email) is not None:
        raise ValidationFailed("email", ALREADY_HAS_ACCOUNT)
    role = Role.parse(item["role"])
    user = user_service.build_user(
        row.organization_id, row.email, form.first_name, form.last_name, role
    )
    password_hash = passwords.hash_password(form.password)
    _common.store().create(_common.USERS, user.to_item())
    try:
        _claim(row, user.id, password_hash, now)
    except BaseException:
        _common.delete_quietly(_common.USERS, row.organization_id, user.id)
        raise
    item.update(status="accepted", acceptedAt=clock.iso(now), acceptedUserId=user.id)
    _common.store().replace(_common.INVITATIONS, item)
    ratelimit.refund(ratelimit.ACCEPT_INVITATION_PER_CLIENT, client, now=moment)
    result = sessions.begin_session(
        user.id, row.organization_id, role.value, ip_address, user_agent
    )
    _common.record(
        "invitation.accepted", "invitation", result.principal, resource_id=item["id"],
        details={"role": role.value},
    )  # fmt: skip
    return result
