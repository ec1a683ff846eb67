"""Two-step sign-in: a TOTP second factor (RFC 6238, ``pyotp``) and single-use recovery codes.

After the first factor (a password, or SSO) :func:`after_first_factor` either starts the
session or answers an :class:`MfaChallenge`: "verify" for a person with MFA on, "enrol" for a
person whose organization requires MFA and who has none yet (they set it up before anything
else). The challenge lives in the cache for five minutes, allows five wrong codes and is used
once. No code is accepted twice: each accepted TOTP step is remembered (``last_step``) and
recovery codes are marked used, both with one conditional UPDATE, so two concurrent requests
with the same code cannot both pass.

TOTP keys are stored encrypted (:mod:`ninevectors.services.secret_box`), recovery codes as
SHA-256 hashes. Neither codes nor keys are ever logged or audited.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pyotp
import segno
from sqlmodel import col, delete, select, update

from ninevectors.models.principal import Principal
from ninevectors.models.tables import MfaRecoveryCode, UserMfa
from ninevectors.services import ratelimit, secret_box
from ninevectors.services.backends import get_cache
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import _common, clock, roles, sessions
from ninevectors.services.identity.sessions import LoginResult
from ninevectors.settings import get_settings

ChallengeKind = Literal["verify", "enrol", "enrolled"]

CHALLENGE_TTL = 300  # seconds to give the code after the first factor
MAX_CHALLENGE_FAILURES = 5
RECOVERY_CODE_COUNT = 10
TOTP_STEP = 30
TOTP_DIGITS = 6
ADMIN_ROLES = frozenset({roles.Role.ORG_ADMIN.value, roles.Role.SUPER_ADMIN.value})
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
WRONG_CODE = "That code is not right. Check the time on your device and try again."
CHALLENGE_GONE = "This sign-in step has expired. Please sign in again."
TOO_MANY_WRONG_CODES = "Too many wrong codes. Please sign in again."


@dataclass(frozen=True)
class MfaChallenge:
    """The first factor passed; a TOTP or recovery code is still needed (``kind`` "verify"),
    or the person must set up MFA first (``kind`` "enrol").

    ``token`` is opaque, single-use and short-lived (never log it); the login page takes it
    as ``/login?challenge=<token>``."""

    token: str
    user_id: str
    kind: ChallengeKind = "verify"


@dataclass(frozen=True)
class Enrolment:
    """A key waiting for its first code: shown once as a QR code and as text."""

    secret: str
    otpauth_uri: str
    qr_svg_data_uri: str


@dataclass(frozen=True)
class MfaStatus:
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int
    required: bool


class MfaRefused(Forbidden):
    """A wrong, reused or late code; the message is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MfaThrottled(ratelimit.TooManyAttempts, MfaRefused):
    """Too many codes from this client or for this account."""


# --- policy ----------------------------------------------------------------------------------


def policy_of(organization_id: str) -> str:
    item = _common.get_item(_common.ORGANIZATIONS, organization_id, organization_id, "Organization")
    security = (item.get("settings") or {}).get("security") or {}
    return str(security.get("mfaRequired", "off"))


def is_required(organization_id: str, role: str) -> bool:
    """Whether the organization's policy asks this role for a second factor."""
    policy = policy_of(organization_id)
    return policy == "everyone" or (policy == "admins" and role in ADMIN_ROLES)


def _factor(user_id: str) -> UserMfa | None:
    with session_scope() as db:
        return db.get(UserMfa, user_id)


def is_enabled(user_id: str) -> bool:
    factor = _factor(user_id)
    return factor is not None and factor.enabled_at is not None


# --- codes -----------------------------------------------------------------------------------


def _normalized(code: object) -> str:
    if not isinstance(code, str):
        raise ValidationFailed("code", "Enter the 6-digit code from your app or a recovery code.")
    cleaned = "".join(code.split()).replace("-", "").lower()
    if not cleaned or len(cleaned) > 20:
        raise ValidationFailed("code", "Enter the 6-digit code from your app or a recovery code.")
    return cleaned


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _accepted_step(secret: str, code: str, last_step: int, now: float) -> int | None:
    """The TOTP step ``code`` belongs to (this one or a neighbour, for clock drift), if it is
    newer than ``last_step``."""
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP)
    current = int(now // TOTP_STEP)
    for step in (current, current - 1, current + 1):
        if step > last_step and secrets.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def _claim_step(user_id: str, step: int) -> bool:
    with session_scope() as db:
        claimed = db.exec(
            update(UserMfa)
            .where(col(UserMfa.user_id) == user_id, col(UserMfa.last_step) < step)
            .values(last_step=step, updated_at=clock.utcnow())
        )
        return claimed.rowcount == 1


def _claim_recovery_code(user_id: str, normalized: str) -> bool:
    with session_scope() as db:
        claimed = db.exec(
            update(MfaRecoveryCode)
            .where(
                col(MfaRecoveryCode.code_hash) == _common.token_hash(normalized),
                col(MfaRecoveryCode.user_id) == user_id,
                col(MfaRecoveryCode.used_at).is_(None),
            )
            .values(used_at=clock.utcnow())
        )
        return claimed.rowcount == 1


def _check_totp(factor: UserMfa, code: str, now: float) -> bool:
    if not code.isdigit() or len(code) != TOTP_DIGITS:
        return False
    step = _accepted_step(secret_box.decrypt(factor.secret_encrypted), code, factor.last_step, now)
    return step is not None and _claim_step(factor.user_id, step)


def _verify(user_id: str, code: object, *, recovery_allowed: bool = True) -> str:
    """Which factor the code passed ("totp" or "recovery"); MfaRefused when none did."""
    normalized = _normalized(code)
    factor = _factor(user_id)
    if factor is None or factor.enabled_at is None:
        raise MfaRefused("Two-step sign-in is not set up for this account.")
    if _check_totp(factor, normalized, time.time()):
        return "totp"
    if recovery_allowed and not normalized.isdigit() and _claim_recovery_code(user_id, normalized):
        return "recovery"
    raise MfaRefused(WRONG_CODE)


def _replace_recovery_codes(user_id: str) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with session_scope() as db:
        db.exec(delete(MfaRecoveryCode).where(col(MfaRecoveryCode.user_id) == user_id))
        for code in codes:
            db.add(
                MfaRecoveryCode(code_hash=_common.token_hash(_normalized(code)), user_id=user_id)
            )
    return codes


# --- enrolment -------------------------------------------------------------------------------


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#111827")


def _begin_enrolment(user_id: str, organization_id: str, email: str) -> Enrolment:
    """Store a new key, not yet active (an active factor is never replaced this way)."""
    if is_enabled(user_id):
        raise ConflictError("Two-step sign-in is already on for this account.")
    secret = pyotp.random_base32()
    now = clock.utcnow()
    with session_scope() as db:
        row = db.get(UserMfa, user_id) or UserMfa(
            user_id=user_id, organization_id=organization_id, secret_encrypted="", created_at=now
        )
        row.secret_encrypted = secret_box.encrypt(secret)
        row.enabled_at = None
        row.last_step = 0
        row.updated_at = now
        db.add(row)
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=get_settings().app_name)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg_data_uri=_qr_data_uri(uri))


def _confirm_enrolment(user_id: str, code: object) -> list[str]:
    """Turn the waiting key on with its first code; the ten recovery codes (shown once)."""
    normalized = _normalized(code)
    factor = _factor(user_id)
    if factor is None:
        raise ConflictError("Start the set-up again: no key is waiting for a code.")
    if factor.enabled_at is not None:
        raise ConflictError("Two-step sign-in is already on for this account.")
    if not _check_totp(factor, normalized, time.time()):
        raise MfaRefused(WRONG_CODE)
    with session_scope() as db:
        row = db.get(UserMfa, user_id)
        if row is None:
            raise ConflictError("Start the set-up again: no key is waiting for a code.")
        row.enabled_at = clock.utcnow()
        db.add(row)
    return _replace_recovery_codes(user_id)


def _email_of(principal: Principal) -> str:
    user = _common.get_item(_common.USERS, principal.organization_id, principal.user_id, "User")
    return str(user.get("email", principal.user_id))


def status(principal: Principal) -> MfaStatus:
    """The person's own second factor, for the profile page."""
    factor = _factor(principal.user_id)
    enabled = factor is not None and factor.enabled_at is not None
    left = 0
    if enabled:
        with session_scope() as db:
            left = len(
                db.exec(
                    select(MfaRecoveryCode.code_hash).where(
                        col(MfaRecoveryCode.user_id) == principal.user_id,
                        col(MfaRecoveryCode.used_at).is_(None),
                    )
                ).all()
            )
    return MfaStatus(
        enabled=enabled,
        enabled_at=factor.enabled_at if enabled and factor else None,
        recovery_codes_left=left,
        required=is_required(principal.organization_id, principal.role),
    )


def start_enrolment(principal: Principal) -> Enrolment:
    """Set up MFA from the profile: a new key to scan."""
    return _begin_enrolment(principal.user_id, principal.organization_id, _email_of(principal))


def confirm_enrolment(principal: Principal, code: object) -> list[str]:
    """Confirm the new key with a first code; returns the recovery codes (shown once)."""
    _throttle(principal.ip_address, principal.user_id)
    codes = _confirm_enrolment(principal.user_id, code)
    _passed(principal.ip_address, principal.user_id)
    _common.record("mfa.enabled", "user", principal, resource_id=principal.user_id)
    return codes


def regenerate_recovery_codes(principal: Principal, code: object) -> list[str]:
    """Ten new recovery codes (the old ones stop working); needs a current TOTP code."""
    _throttle(principal.ip_address, principal.user_id)
    _verify(principal.user_id, code, recovery_allowed=False)
    codes = _replace_recovery_codes(principal.user_id)
    _common.record("mfa.recovery_codes_replaced", "user", principal, resource_id=principal.user_id)
    return codes


def _remove_factor(user_id: str) -> bool:
    with session_scope() as db:
        db.exec(delete(MfaRecoveryCode).where(col(MfaRecoveryCode.user_id) == user_id))
        removed = db.exec(delete(UserMfa).where(col(UserMfa.user_id) == user_id))
        return bool(removed.rowcount)


def turn_off(principal: Principal, code: object) -> None:
    """Turn one's own MFA off with a current code; refused where the organization requires it."""
    if is_required(principal.organization_id, principal.role):
        raise Forbidden("Your organization requires two-step sign-in; it cannot be turned off.")
    _throttle(principal.ip_address, principal.user_id)
    _verify(principal.user_id, code)
    _remove_factor(principal.user_id)
    _common.record(
        "mfa.disabled", "user", principal, resource_id=principal.user_id, severity="warning"
    )


def reset_for_user(principal: Principal, user_id: object) -> None:
    """An administrator removes a person's factor (a lost phone); audited. The person sets
    it up again at their next sign-in where the organization requires it."""
    roles.require(principal, roles.USERS_MANAGE)
    target = _common.checked_id(user_id, "User")
    _common.get_item(_common.USERS, principal.organization_id, target, "User")
    factor = _factor(target)
    if factor is None or factor.organization_id != principal.organization_id:
        raise NotFoundError("This person has no two-step sign-in to reset.")
    _remove_factor(target)
    _common.record("mfa.reset", "user", principal, resource_id=target, severity="warning")


def enrolled_user_ids(principal: Principal) -> set[str]:
    """Who in the administrator's organization has two-step sign-in on."""
    roles.require(principal, roles.USERS_MANAGE)
    with session_scope() as db:
        return set(
            db.exec(
                select(UserMfa.user_id).where(
                    col(UserMfa.organization_id) == principal.organization_id,
                    col(UserMfa.enabled_at).is_not(None),
                )
            ).all()
        )


# --- the sign-in step ------------------------------------------------------------------------


def _challenge_key(token: str) -> str:
    return f"mfa-challenge:{_common.token_hash(token)}"


def after_first_factor(
    user_id: str,
    organization_id: str,
    role: str,
    ip_address: str | None = None,
    user_agent: str | None = None,
    auth_method: str = "password",
    mfa_done: bool = False,
) -> LoginResult | MfaChallenge:
    """A session when no second factor is needed (or ``mfa_done``: an SSO token whose
    ``amr`` says the provider did MFA), else a challenge for the code or the set-up."""
    kind: ChallengeKind | None = None
    if not mfa_done:
        if is_enabled(user_id):
            kind = "verify"
        elif is_required(organization_id, role):
            kind = "enrol"
    if kind is None:
        return sessions.begin_session(
            user_id, organization_id, role, ip_address, user_agent, auth_method=auth_method
        )
    token = _common.new_token()
    challenge = {
        "userId": user_id,
        "organizationId": organization_id,
        "role": role,
        "authMethod": auth_method,
        "kind": kind,
    }
    get_cache().set(_challenge_key(token), challenge, CHALLENGE_TTL)
    return MfaChallenge(token=token, user_id=user_id, kind=kind)


def _challenge(token: object) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > sessions.MAX_TOKEN_LENGTH:
        raise MfaRefused(CHALLENGE_GONE)
    value = get_cache().get(_challenge_key(token))
    if not isinstance(value, dict):
        raise MfaRefused(CHALLENGE_GONE)
    return value


def challenge_kind(token: object) -> ChallengeKind:
    """What the login page must ask for: a code ("verify"), the set-up ("enrol") or, after
    the set-up, only a click to go on ("enrolled"); MfaRefused when expired."""
    kind = _challenge(token)["kind"]
    return kind if kind in ("enrol", "enrolled") else "verify"


def _limits(ip_address: str | None, user_id: str) -> tuple[tuple[ratelimit.Rule, str], ...]:
    client = ratelimit.client_key(ip_address)
    return ((ratelimit.MFA_PER_CLIENT, client), (ratelimit.MFA_PER_ACCOUNT, user_id))


def _throttle(ip_address: str | None, user_id: str) -> None:
    """Count a code against the client and the account (given back when it is right, so an
    office signing in together behind one address is not held back)."""
    for rule, key in _limits(ip_address, user_id):
        decision = ratelimit.hit(rule, key)
        if not decision.allowed:
            raise MfaThrottled(decision.retry_after)


def _passed(ip_address: str | None, user_id: str) -> None:
    for rule, key in _limits(ip_address, user_id):
        ratelimit.refund(rule, key)


def _challenge_failed(token: str, challenge: dict[str, Any], ip_address: str | None) -> None:
    """Count a wrong code; five end the challenge."""
    key = _challenge_key(token)
    failures = get_cache().incr(f"{key}:failures", 1, CHALLENGE_TTL)
    _common.record(
        "auth.mfa_failed",
        "session",
        None,
        organization_id=str(challenge["organizationId"]),
        resource_id=str(challenge["userId"]),
        details={"ipAddress": ip_address, "failures": failures},
        severity="warning",
    )
    if failures >= MAX_CHALLENGE_FAILURES:
        get_cache().delete(key)
        raise MfaRefused(TOO_MANY_WRONG_CODES)


def _use_challenge(token: str) -> None:
    """Single use: only the first of two racing requests gets past this."""
    key = _challenge_key(token)
    if get_cache().incr(f"{key}:used", 1, CHALLENGE_TTL) != 1:
        raise MfaRefused(CHALLENGE_GONE)
    get_cache().delete(key)


def _start_session(
    challenge: dict[str, Any], ip_address: str | None, user_agent: str | None, factor: str
) -> LoginResult:
    result = sessions.begin_session(
        str(challenge["userId"]),
        str(challenge["organizationId"]),
        str(challenge["role"]),
        ip_address,
        user_agent,
        auth_method=str(challenge["authMethod"]),
    )
    _common.record(
        "auth.login",
        "session",
        result.principal,
        resource_id=result.principal.user_id,
        details={"method": challenge["authMethod"], "secondFactor": factor},
    )
    return result


def verify_challenge(
    token: object, code: object, ip_address: str | None = None, user_agent: str | None = None
) -> LoginResult:
    """The second step of sign-in: a TOTP or recovery code starts the session."""
    challenge = _challenge(token)
    assert isinstance(token, str)
    if challenge["kind"] != "verify":
        raise MfaRefused("Set up two-step sign-in first.")
    _throttle(ip_address, str(challenge["userId"]))
    try:
        factor = _verify(str(challenge["userId"]), code)
    except MfaRefused:
        _challenge_failed(token, challenge, ip_address)
        raise
    _passed(ip_address, str(challenge["userId"]))
    _use_challenge(token)
    return _start_session(challenge, ip_address, user_agent, factor)


def enrol_in_challenge(token: object) -> Enrolment:
    """Sign-in where MFA is required and missing: the key to scan."""
    challenge = _challenge(token)
    if challenge["kind"] != "enrol":
        raise MfaRefused(CHALLENGE_GONE)
    user_id, organization_id = str(challenge["userId"]), str(challenge["organizationId"])
    user = _common.get_item(_common.USERS, organization_id, user_id, "User")
    return _begin_enrolment(user_id, organization_id, str(user.get("email", user_id)))


def confirm_in_challenge(token: object, code: object, ip_address: str | None = None) -> list[str]:
    """The first code of the key set up during sign-in; the recovery codes (shown once).
    The challenge becomes a "verify" one that the next step completes without a code."""
    challenge = _challenge(token)
    assert isinstance(token, str)
    if challenge["kind"] != "enrol":
        raise MfaRefused(CHALLENGE_GONE)
    user_id = str(challenge["userId"])
    _throttle(ip_address, user_id)
    try:
        codes = _confirm_enrolment(user_id, code)
    except MfaRefused:
        _challenge_failed(token, challenge, ip_address)
        raise
    _passed(ip_address, user_id)
    get_cache().set(_challenge_key(token), {**challenge, "kind": "enrolled"}, CHALLENGE_TTL)
    principal = Principal(user_id, str(challenge["organizationId"]), str(challenge["role"]))
    _common.record("mfa.enabled", "user", principal, resource_id=user_id)
    return codes


def finish_enrolled_challenge(
    token: object, ip_address: str | None = None, user_agent: str | None = None
) -> LoginResult:
    """After the recovery codes were shown: the session (the first code was the second factor)."""
    challenge = _challenge(token)
    assert isinstance(token, str)
    if challenge["kind"] != "enrolled":
        raise MfaRefused(CHALLENGE_GONE)
    _use_challenge(token)
    return _start_session(challenge, ip_address, user_agent, "totp-enrolment")
