"""Log-in, log-out and lockout. Sessions themselves live in :mod:`.sessions`.

Passwords are never logged or audited.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select, update

from ninevectors.models.principal import Principal
from ninevectors.models.tables import UserCredential
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import _common, clock, passwords, sessions
from ninevectors.services.identity.schemas import ChangePasswordInput, LoginInput
from ninevectors.services.identity.sessions import LoginResult
from ninevectors.services.store.base import NotFound, PatchOperation

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
GENERIC_LOGIN_ERROR = "E-mail or password is incorrect."


class AuthenticationError(Forbidden):
    """Log-in refused; the message is safe to show as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCredentials(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(GENERIC_LOGIN_ERROR)


class AccountLocked(AuthenticationError):
    def __init__(self, minutes_left: int) -> None:
        plural = "minute" if minutes_left == 1 else "minutes"
        super().__init__(
            "Too many failed attempts: this account is locked. "
            f"Try again in {minutes_left} {plural} or reset your password."
        )
        self.minutes_left = minutes_left


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


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((clock.aware(until) - now).total_seconds() / 60))


def _check_not_locked(credential: UserCredential, now: datetime) -> None:
    if credential.locked_until is not None and clock.aware(credential.locked_until) > now:
        raise AccountLocked(_minutes_left(credential.locked_until, now))


def _register_failure(user_id: str, now: datetime) -> bool:
    """Count a failed attempt; lock the account at the limit. True when it is now locked."""
    with session_scope() as db:
        db.exec(
            update(UserCredential)
            .where(col(UserCredential.user_id) == user_id)
            .values(failed_login_count=col(UserCredential.failed_login_count) + 1)
        )
        credential = db.get(UserCredential, user_id)
        if credential is None or credential.failed_login_count < MAX_FAILED_LOGINS:
            return False
        credential.failed_login_count = 0
        credential.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
        credential.updated_at = now
        db.add(credential)
        return True


def _register_success(credential: UserCredential, password: str, now: datetime) -> None:
    """Clear the failure count and upgrade an outdated hash (writes only when needed)."""
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


def _touch_last_login(organization_id: str, user_id: str, now: datetime) -> None:
    with contextlib.suppress(NotFound):
        _common.store().patch(
            _common.USERS,
            organization_id,
            user_id,
            [PatchOperation("set", "/auth/lastLogin", clock.iso(now))],
        )


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
) -> None:
    _common.record(
        "auth.login_failed",
        "session",
        _anonymous(ip_address, user_agent, credential),
        organization_id=credential.organization_id if credential else None,
        resource_id=credential.user_id if credential else None,
        details={"email": email, "reason": reason, "ipAddress": ip_address},
        severity="warning",
    )


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
) -> LoginResult:
    """Check e-mail and password and start a session.

    Wrong e-mail or password → InvalidCredentials (one message for both); the fifth failure in
    a row locks the account for LOCKOUT_MINUTES (AccountLocked); AccountDeactivated when
    an administrator switched the account off (said only after a correct password).
    """
    try:
        data = LoginInput.parse({"email": email, "password": password})
    except ValidationFailed as error:
        if error.field == "email":
            raise
        raise InvalidCredentials() from None
    credential = credential_by_email(data.email)
    if credential is None:
        passwords.burn_time(data.password)
        _refuse(data.email, None, "unknown-email", ip_address, user_agent)
        raise InvalidCredentials()
    now = clock.utcnow()
    _check_not_locked(credential, now)
    if not passwords.verify_password(credential.password_hash, data.password):
        locked = _register_failure(credential.user_id, now)
        _refuse(data.email, credential, "wrong-password", ip_address, user_agent)
        if locked:
            raise AccountLocked(LOCKOUT_MINUTES)
        raise InvalidCredentials()
    try:
        role = _active_role(credential)
    except AccountDeactivated:
        _refuse(data.email, credential, "deactivated", ip_address, user_agent)
        raise
    _register_success(credential, data.password, now)
    _touch_last_login(credential.organization_id, credential.user_id, now)
    result = sessions.begin_session(
        credential.user_id, credential.organization_id, role, ip_address, user_agent
    )
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
