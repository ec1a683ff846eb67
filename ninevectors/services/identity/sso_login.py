"""Signing in through an organization's SSO (OpenID Connect, code flow with PKCE).

:func:`start_login`: the work e-mail's domain picks the organization's connection; a
``state``, a ``nonce`` and a PKCE verifier are kept in the cache for ``STATE_TTL`` seconds
under the state's hash, and the browser is sent to the provider. :func:`complete_login`
(the callback): the state is used up at once (a second callback with it is refused), the code
is exchanged, the ID token checked (:mod:`.oidc`), and the person is found by e-mail in that
organization, or created on the spot (just-in-time, no password) with the connection's role
or the one mapped from their groups; an invited person's invitation is used up instead. Then
:func:`ninevectors.services.identity.mfa.after_first_factor` starts the session (or asks for
the second factor unless the token's ``amr`` says the provider did MFA).

Every refusal is an :class:`SsoRefused` with a short ``code`` (the login page's message key)
and creates no account and no session. Tokens, codes and the secret are never logged or
audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, update

from ninevectors.models.principal import Principal
from ninevectors.models.tables import OneTimeToken, UserCredential
from ninevectors.services import ratelimit
from ninevectors.services.backends import get_cache
from ninevectors.services.billing import entitlements
from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.services.database import session_scope
from ninevectors.services.errors import NotFoundError, ValidationFailed
from ninevectors.services.identity import (
    _common,
    auth,
    clock,
    invitations,
    mfa,
    oidc,
    sso,
)
from ninevectors.services.identity import users as user_service
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.schemas import EmailInput
from ninevectors.services.identity.sessions import LoginResult

STATE_TTL = 600  # seconds from "Continue with SSO" to the provider's answer
MAX_PARAM_LENGTH = 2000
# amr values (RFC 8176 and what Entra ID and Google send) that mean a second factor was used.
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sms", "tel", "fpt", "face", "iris", "sc"})

MESSAGES = {
    "email": "Enter your work e-mail address.",
    "no_sso": "Single sign-on is not set up for this e-mail domain. Sign in with your password.",
    "throttled": "Too many sign-in attempts. Wait a few minutes and try again.",
    "provider": "Your organization's sign-in provider could not be reached. Try again later.",
    "state": "This sign-in has expired or was already used. Start again with Continue with SSO.",
    "denied": "The sign-in was cancelled at your organization's provider.",
    "exchange": "Your organization's provider refused the sign-in. Start again.",
    "token": "The answer of your organization's provider could not be verified. Start again.",
    "unverified": "Your provider has not verified this e-mail address.",
    "domain": "This e-mail address does not belong to the organization's SSO domains.",
    "other_org": "This e-mail address has an account in another organization.",
    "deactivated": "This account has been deactivated. Ask an administrator of your organization.",
    "seats": "Your organization has no free seat for a new person. Ask an administrator.",
    "invitation": "This invitation is not for the account you signed in with at the provider.",
    "invitation_used": "This invitation can no longer be used.",
}


class SsoRefused(auth.AuthenticationError):
    """SSO sign-in refused; ``code`` names the reason (a key of MESSAGES)."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, MESSAGES["token"]))
        self.code = code


@dataclass(frozen=True)
class SsoOutcome:
    result: LoginResult | mfa.MfaChallenge
    next_path: str


def _state_key(state: str) -> str:
    return f"sso:state:{_common.token_hash(state)}"


def _used_key(state: str) -> str:
    return f"sso:state-used:{_common.token_hash(state)}"


def _email(value: object) -> str:
    try:
        return EmailInput.parse({"email": value}).email
    except ValidationFailed:
        raise SsoRefused("email") from None


def _throttle(
    client_rule: ratelimit.Rule, account_rule: ratelimit.Rule, client: str, account: str
) -> None:
    try:
        ratelimit.enforce(client_rule, client)
        ratelimit.enforce(account_rule, account)
    except ratelimit.TooManyAttempts as refused:
        raise SsoRefused("throttled", refused.message) from None


def _text(value: object) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_PARAM_LENGTH else ""


# --- start -------------------------------------------------------------------------------------


def _connection_for(email: str) -> sso.Connection:
    organization_id = sso.organization_for_domain(sso.domain_of(email))
    connection = sso.connection_of(organization_id) if organization_id else None
    if connection is None:
        raise SsoRefused("no_sso")
    return connection


def _invitation_email(token: str) -> str:
    try:
        return invitations.describe_invitation(token).email
    except ValidationFailed as refused:
        raise SsoRefused("invitation_used", refused.message) from None


def start_login(
    email: object,
    next_path: object = "",
    ip_address: str | None = None,
    invitation_token: object = None,
) -> str:
    """The provider URL to send the browser to. With ``invitation_token`` the e-mail is the
    invitation's, and the callback accepts the invitation."""
    invitation = _text(invitation_token)
    address = _email(_invitation_email(invitation) if invitation else email)
    _throttle(
        ratelimit.SSO_START_PER_CLIENT,
        ratelimit.SSO_START_PER_ACCOUNT,
        ratelimit.client_key(ip_address),
        address,
    )
    connection = _connection_for(address)
    metadata = _discover(connection.issuer)
    state, nonce, verifier = _common.new_token(), _common.new_token(), secrets.token_urlsafe(64)
    pending = {
        "organizationId": connection.organization_id,
        "email": address,
        "nonce": nonce,
        "verifier": verifier,
        "next": _text(next_path)[:500],
        "invitation": invitation or None,
    }
    try:
        get_cache().set(_state_key(state), pending, ttl_seconds=STATE_TTL)
    except CacheUnavailable:
        raise SsoRefused("provider", "Sign-in is unavailable right now. Try again.") from None
    return oidc.authorization_url(
        metadata,
        connection.client_id,
        sso.callback_url(),
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        login_hint=address,
    )


def _discover(issuer: str) -> oidc.ProviderMetadata:
    try:
        return oidc.discover(issuer)
    except oidc.OidcError:
        raise SsoRefused("provider") from None


# --- callback ----------------------------------------------------------------------------------


def _take_state(state: str) -> dict[str, Any]:
    """The pending sign-in of ``state``, used up: only the first caller gets it."""
    if not state:
        raise SsoRefused("state")
    cache = get_cache()
    try:
        if cache.incr(_used_key(state), 1, ttl_seconds=STATE_TTL) != 1:
            raise SsoRefused("state")
        pending = cache.get(_state_key(state))
        cache.delete(_state_key(state))
    except CacheUnavailable:
        raise SsoRefused("state") from None
    if not isinstance(pending, dict):
        raise SsoRefused("state")
    return pending


def _verified_claims(
    connection: sso.Connection, code: str, pending: dict[str, Any]
) -> dict[str, Any]:
    metadata = _discover(connection.issuer)
    try:
        token = oidc.exchange_code(
            metadata,
            connection.client_id,
            connection.client_secret,
            sso.callback_url(),
            code=code,
            code_verifier=str(pending["verifier"]),
        )
        return oidc.validate_id_token(
            token["id_token"],
            metadata,
            connection.client_id,
            str(pending["nonce"]),
            access_token=token.get("access_token"),
        )
    except oidc.OidcError as refused:
        raise SsoRefused(refused.code if refused.code in MESSAGES else "token") from None


def _claimed_email(connection: sso.Connection, claims: dict[str, Any]) -> str:
    if claims.get("email_verified") is False:
        raise SsoRefused("unverified")
    email = _email(claims.get("email"))
    if sso.domain_of(email) not in connection.domains:
        raise SsoRefused("domain")
    return email


def mfa_done(claims: dict[str, Any]) -> bool:
    """True when the token's ``amr`` names a second factor (the provider did MFA)."""
    amr = claims.get("amr")
    return isinstance(amr, list) and any(str(method).lower() in MFA_METHODS for method in amr)


def _names(claims: dict[str, Any], email: str) -> tuple[str, str]:
    first, last = claims.get("given_name"), claims.get("family_name")
    if isinstance(first, str) and first.strip():
        return first.strip()[:100], (last if isinstance(last, str) else "").strip()[:100]
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        given, _, family = name.strip().partition(" ")
        return given[:100], family.strip()[:100]
    return email.partition("@")[0][:100], ""


def _existing_role(credential: UserCredential, organization_id: str) -> str:
    if credential.organization_id != organization_id:
        raise SsoRefused("other_org")
    try:
        return auth._active_role(credential)
    except auth.AccountDeactivated:
        raise SsoRefused("deactivated") from None


def _check_seat(organization_id: str) -> None:
    standing = entitlements.standing_of(organization_id)
    used = user_service.active_user_count(organization_id)
    if entitlements.remaining(standing, "users", used, clock.utcnow()) < 1:
        raise SsoRefused("seats")


def _create_account(
    organization_id: str,
    email: str,
    role: Role,
    claims: dict[str, Any],
    invitation: OneTimeToken | None,
    now: datetime,
) -> str:
    """The user item and a password-less credential (and the invitation used up)."""
    first, last = _names(claims, email)
    user = user_service.build_user(organization_id, email, first, last, role)
    item = user.to_item()
    item["auth"]["provider"] = "sso"
    _common.store().create(_common.USERS, item)
    try:
        with session_scope() as db:
            if invitation is not None:
                used = db.exec(
                    update(OneTimeToken)
                    .where(
                        col(OneTimeToken.token_hash) == invitation.token_hash,
                        col(OneTimeToken.used_at).is_(None),
                    )
                    .values(used_at=now, user_id=user.id)
                )
                if used.rowcount != 1:
                    raise SsoRefused("invitation_used")
            db.add(
                UserCredential(
                    user_id=user.id,
                    organization_id=organization_id,
                    email=email,
                    password_hash=None,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        _common.delete_quietly(_common.USERS, organization_id, user.id)
        raise SsoRefused("other_org") from None
    except BaseException:
        _common.delete_quietly(_common.USERS, organization_id, user.id)
        raise
    return user.id


def _open_invitation(token: str, email: str, now: datetime) -> tuple[OneTimeToken, dict]:
    try:
        row, item = invitations._open_invitation(token, now)
    except ValidationFailed as refused:
        raise SsoRefused("invitation_used", refused.message) from None
    if row.email != email:
        raise SsoRefused("invitation")
    return row, item


def _accept_invitation(
    connection: sso.Connection, token: str, email: str, claims: dict[str, Any], now: datetime
) -> tuple[str, str]:
    row, item = _open_invitation(token, email, now)
    if row.organization_id != connection.organization_id:
        raise SsoRefused("invitation")
    role = Role.parse(item["role"])
    user_id = _create_account(connection.organization_id, email, role, claims, row, now)
    item.update(status="accepted", acceptedAt=clock.iso(now), acceptedUserId=user_id)
    _common.store().replace(_common.INVITATIONS, item)
    _audit_created(connection.organization_id, user_id, role.value, "sso-invitation")
    return user_id, role.value


def _just_in_time(
    connection: sso.Connection, email: str, claims: dict[str, Any], now: datetime
) -> tuple[str, str]:
    _check_seat(connection.organization_id)
    role = Role.parse(sso.role_for_groups(connection, claims))
    user_id = _create_account(connection.organization_id, email, role, claims, None, now)
    _audit_created(connection.organization_id, user_id, role.value, "sso")
    return user_id, role.value


def _audit_created(organization_id: str, user_id: str, role: str, via: str) -> None:
    principal = Principal(user_id, organization_id, role)
    _common.record(
        "user.created", "user", principal, resource_id=user_id, details={"role": role, "via": via}
    )


def _account(
    connection: sso.Connection,
    email: str,
    claims: dict[str, Any],
    invitation: str | None,
    now: datetime,
) -> tuple[str, str]:
    """(user id, role) of the person signing in, created when new."""
    credential = auth.credential_by_email(email)
    if credential is not None:
        return credential.user_id, _existing_role(credential, connection.organization_id)
    if invitation:
        return _accept_invitation(connection, invitation, email, claims, now)
    return _just_in_time(connection, email, claims, now)


def _refused(
    code: str, email: str | None, organization_id: str | None, ip_address: str | None
) -> None:
    _common.record(
        "auth.sso_failed",
        "session",
        None,
        organization_id=organization_id,
        details={"reason": code, "email": email, "ipAddress": ip_address},
        severity="warning",
    )


def _sign_in(
    pending: dict[str, Any], code: str, ip_address: str | None, user_agent: str | None
) -> LoginResult | mfa.MfaChallenge:
    connection = sso.connection_of(str(pending.get("organizationId")))
    if connection is None:
        raise SsoRefused("no_sso")
    claims = _verified_claims(connection, code, pending)
    email = _claimed_email(connection, claims)
    now = clock.utcnow()
    user_id, role = _account(connection, email, claims, pending.get("invitation"), now)
    _common.touch_last_login(connection.organization_id, user_id, now)
    result = mfa.after_first_factor(
        user_id,
        connection.organization_id,
        role,
        ip_address,
        user_agent,
        auth_method="sso",
        mfa_done=mfa_done(claims),
    )
    if isinstance(result, LoginResult):
        _common.record(
            "auth.login",
            "session",
            result.principal,
            resource_id=user_id,
            details={"method": "sso"},
        )
    return result


def complete_login(
    state: object,
    code: object,
    provider_error: object = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> SsoOutcome:
    """The provider's answer (``state``, ``code`` or ``error`` of the callback URL) turned into
    a session or an MFA challenge; SsoRefused (nothing created) otherwise."""
    client = ratelimit.client_key(ip_address)
    try:
        ratelimit.enforce(ratelimit.SSO_CALLBACK_PER_CLIENT, client)
    except ratelimit.TooManyAttempts as refused:
        raise SsoRefused("throttled", refused.message) from None
    pending = _take_state(_text(state))
    email = str(pending.get("email", ""))
    organization_id = str(pending.get("organizationId", ""))
    try:
        _throttle_account(email)
        if provider_error or not _text(code):
            raise SsoRefused("denied" if provider_error else "exchange")
        result = _sign_in(pending, _text(code), ip_address, user_agent)
    except SsoRefused as refused:
        _refused(refused.code, email, organization_id, ip_address)
        raise
    except NotFoundError:
        _refused("other_org", email, organization_id, ip_address)
        raise SsoRefused("other_org") from None
    return SsoOutcome(result, str(pending.get("next") or ""))


def _throttle_account(email: str) -> None:
    try:
        ratelimit.enforce(ratelimit.SSO_CALLBACK_PER_ACCOUNT, email)
    except ratelimit.TooManyAttempts as refused:
        raise SsoRefused("throttled", refused.message) from None
