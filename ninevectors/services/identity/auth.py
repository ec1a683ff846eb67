"""Log-in, log-out and sign-in throttling. Sessions themselves live in :mod:`.sessions`.

No account is ever locked: wrong passwords slow down the (client address, e-mail) pair that
made them, so an outsider cannot keep a person out (rules in :mod:`ninevectors.services.
ratelimit`). ``UserCredential.failed_login_count`` still counts the wrong passwords since the
last successful log-in (for administrators); ``locked_until`` is no longer set, only cleared.

Passwords are never logged or audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn

from sqlmodel import col, select, update

from ninevectors.models.principal import Principal
from ninevectors.models.tables import UserCredential
from ninevectors.services import ratelimit
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import _common, clock, mfa, passwords, sessions
from ninevectors.services.identity.schemas import ChangePasswordInput, LoginInput
from ninevectors.services.identity.sessions import LoginResult

GENERIC_LOGIN_ERROR = "E-mail or password is incorrect."


class AuthenticationError(Forbidden):
    """Log-in refused; the message is safe to show as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCredentials(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(GENERIC_LOGIN_ERROR)


class LoginThrottled(ratelimit.TooManyAttempts, AuthenticationError):
    """Too many attempts from this client or for this e-mail; ``retry_after`` in seconds."""


AccountLocked = LoginThrottled  # the former name, still exported by the identity package


class AccountDeactivated(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(
            "This account has been deactivated. Ask an administrator of your organization."
        )


# --- log-out --------------------------------------------------------------------------------


def logout(token: object, ip_address: str | None = None, user_agent: str | None = None) -> None:
    """End the session of ``token`` (nothing happens for an unknown token)."""
    ended = sessions.end_session(token)
    if ended is None:
        return
    principal = Principal(ended.user_id, ended.organization_id, ended.role, ip_address, user_agent)
    _common.record("auth.logout", "session", principal, resource_id=principal.user_id)


# --- log-in ---------------------------------------------------------------------------------


def credential_by_email(email: str) -> UserCredential | None:
    with session_scope() as db:
        return db.exec(select(UserCredential).where(UserCredential.email == email)).first()


def _count_failed_login(user_id: str) -> None:
    """One more wrong password since the last success (informational: it locks nothing)."""
    with session_scope() as db:
        db.exec(
            update(UserCredential)
            .where(col(UserCredential.user_id) == user_id)
            .values(failed_login_count=col(UserCredential.failed_login_count) + 1)
        )


def _admit(email: str, client: str, now: float) -> None:
    """Refuse before any password is hashed while the pair waits or the client or account
    limit is used up. Counts the attempt against both limits (given back on success)."""
    pair = ratelimit.backoff_status(ratelimit.LOGIN_PAIR, client, email, now=now)
    if not pair.allowed:
        raise LoginThrottled(pair.retry_after)
    by_client = ratelimit.hit(ratelimit.LOGIN_PER_CLIENT, client, now=now)
    if not by_client.allowed:
        raise LoginThrottled(by_client.retry_after)
    by_account = ratelimit.hit(ratelimit.LOGIN_PER_ACCOUNT, email, now=now)
    if not by_account.allowed and not ratelimit.is_marked(ratelimit.KNOWN_SIGN_IN, client, email):
        raise LoginThrottled(by_account.retry_after)


def _pair_failed(email: str, client: str, now: float) -> int:
    """Count a wrong password for the pair; the seconds it must now wait (0: none yet)."""
    return ratelimit.backoff_failure(ratelimit.LOGIN_PAIR, client, email, now=now).retry_after


def _admitted_in(email: str, client: str, now: float) -> None:
    """A successful log-in: not a failure after all, and this client is now known."""
    ratelimit.refund(ratelimit.LOGIN_PER_CLIENT, client, now=now)
    ratelimit.refund(ratelimit.LOGIN_PER_ACCOUNT, email, now=now)
    ratelimit.backoff_clear(ratelimit.LOGIN_PAIR, client, email)
    ratelimit.mark(ratelimit.KNOWN_SIGN_IN, client, email)


def _register_success(credential: UserCredential, password: str, now: datetime) -> None:
    """Clear the failure count (and a lock of the former scheme) and upgrade an outdated
    hash (writes only when needed)."""
    rehash = passwords.needs_rehash(credential.password_hash or "")
    if not rehash and credential.failed_login_count == 0 and credential.locked_until is None:
        return
    with session_scope() as db:
        row = db.get(UserCredential, credential.user_id)
        if row is None:
            return
        row.failed_login_count = 0
        row.locked_until = None
        if rehash:
            row.password_hash = passwords.hash_password(password)
        row.updated_at = now
        db.add(row)


def _anonymous(
    ip_address: str | None, user_agent: str | None, credential: UserCredential | None = None
) -> Principal | None:
    if credential is None:
        return None
    return Principal(credential.user_id, credential.organization_id, "", ip_address, user_agent)


def _refuse(
    email: str,
    credential: UserCredential | None,
    reason: str,
    ip_address: str | None,
    user_agent: str | None,
    wait_seconds: int = 0,
) -> None:
    details: dict[str, Any] = {"email": email, "reason": reason, "ipAddress": ip_address}
    if wait_seconds:
        details["waitSeconds"] = wait_seconds
    _common.record(
        "auth.login_failed",
        "session",
        _anonymous(ip_address, user_agent, credential),
        organization_id=credential.organization_id if credential else None,
        resource_id=credential.user_id if credential else None,
        details=details,
        severity="warning",
    )


def _wrong_password(
    email: str,
    credential: UserCredential | None,
    client: str,
    now: float,
    ip_address: str | None,
    user_agent: str | None,
) -> NoReturn:
    """Count the failure for the pair and refuse: LoginThrottled when the pair must now
    wait, InvalidCredentials otherwise (the same for an unknown e-mail)."""
    wait = _pair_failed(email, client, now)
    reason = "unknown-email" if credential is None else "wrong-password"
    _refuse(email, credential, reason, ip_address, user_agent, wait_seconds=wait)
    if wait:
        raise LoginThrottled(wait)
    raise InvalidCredentials()


def _active_role(credential: UserCredential) -> str:
    """The user's current role; AccountDeactivated when the account is switched off."""
    if not credential.is_active:
        raise AccountDeactivated()
    try:
        user = _common.get_item(
            _common.USERS, credential.organization_id, credential.user_id, "User"
        )
    except NotFoundError:
        raise AccountDeactivated() from None
    if user.get("status") != "active":
        raise AccountDeactivated()
    return str(user["role"])


def login(
    email: object,
    password: object,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> LoginResult | mfa.MfaChallenge:
    """Check e-mail and password and start a session, or answer the challenge for the
    second factor when the person has MFA on or their organization requires it.

    Wrong e-mail or password → InvalidCredentials (one message for both); LoginThrottled
    ("try again in N s") before any password is checked when this client and e-mail pair
    waits (five wrong passwords, then 1 min doubling up to 15 min), or the client or the
    e-mail used up its limit (see :mod:`ninevectors.services.ratelimit`); an unknown e-mail is
    throttled exactly like a known one. AccountDeactivated when an administrator switched
    the account off (said only after a correct password).
    """
    try:
        data = LoginInput.parse({"email": email, "password": password})
    except ValidationFailed as error:
        if error.field == "email":
            raise
        raise InvalidCredentials() from None
    now = clock.utcnow()
    client, moment = ratelimit.client_key(ip_address), now.timestamp()
    _admit(data.email, client, moment)
    credential = credential_by_email(data.email)
    if credential is None:
        passwords.burn_time(data.password)
        _wrong_password(data.email, None, client, moment, ip_address, user_agent)
    if not passwords.verify_password(credential.password_hash, data.password):
        _count_failed_login(credential.user_id)
        _wrong_password(data.email, credential, client, moment, ip_address, user_agent)
    try:
        role = _active_role(credential)
    except AccountDeactivated:
        _refuse(data.email, credential, "deactivated", ip_address, user_agent)
        raise
    from ninevectors.services.identity import sso  # sso builds on this module: not at the top

    sso.check_password_login_allowed(credential.organization_id, credential.user_id)
    _register_success(credential, data.password, now)
    _admitted_in(data.email, client, moment)
    _common.touch_last_login(credential.organization_id, credential.user_id, now)
    result = mfa.after_first_factor(
        credential.user_id, credential.organization_id, role, ip_address, user_agent
    )
    if isinstance(result, LoginResult):
        _common.record("auth.login", "session", result.principal, resource_id=credential.user_id)
    return result


def change_password(principal: Principal, data: ChangePasswordInput | Mapping[str, Any]) -> None:
    """Change one's own password (needs the current one); ends all of one's sessions."""
    change = ChangePasswordInput.parse(data)
    with session_scope() as db:
        credential = db.get(UserCredential, principal.user_id)
    if credential is None or credential.organization_id != principal.organization_id:
        raise NotFoundError("User not found.")
    if not passwords.verify_password(credential.password_hash, change.current_password):
        raise ValidationFailed("current_password", "The current password is not correct.")
    try:
        passwords.check_password_policy(change.new_password, credential.email)
    except ValidationFailed as error:
        raise ValidationFailed("new_password", error.message) from None
    set_password(credential.user_id, change.new_password)
    sessions.revoke_all_sessions(principal.user_id, "password-changed")
    _common.record("user.password_changed", "user", principal, resource_id=principal.user_id)


def set_password(user_id: str, new_password: str) -> None:
    """Store a new hash and clear any lockout (internal)."""
    with session_scope() as db:
        row = db.get(UserCredential, user_id)
        if row is None:
            raise NotFoundError("User not found.")
        row.password_hash = passwords.hash_password(new_password)
        row.failed_login_count = 0
        row.locked_until = None
        row.updated_at = clock.utcnow()
        db.add(row)
