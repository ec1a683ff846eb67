"""Forgotten passwords: a single-use link valid for an hour.

Only the SHA-256 of a token is stored. :func:`request_reset` answers the same whether or not
the e-mail has an account, and its limits (reset e-mails per address typed and per client)
count the address whether or not it has one, so they reveal nothing either. Reset e-mails
carry no organization id, so they never show in an organization's outbox view (an admin
must not be able to take over a colleague's account).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from ninevectors.models.principal import Principal
from ninevectors.models.tables import OneTimeToken, UserCredential
from ninevectors.services import email as mail
from ninevectors.services import ratelimit
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import _common, auth, clock, passwords, sessions
from ninevectors.services.identity.schemas import EmailInput, ResetPasswordInput
from ninevectors.settings import get_settings

RESET_TTL = timedelta(hours=1)
RESET_REQUESTED_MESSAGE = (
    "If an account exists for that e-mail address, we have sent it a link to choose a new "
    "password. The link is valid for one hour."
)
INVALID_LINK = "This reset link is not valid. Request a new one."
USED_LINK = "This reset link has already been used. Request a new one."
EXPIRED_LINK = "This reset link has expired. Request a new one."


def _reset_email(link: str) -> tuple[str, str]:
    subject = f"Reset your {get_settings().app_name} password"
    text = (
        "Someone (hopefully you) asked to reset the password of your account.\n\n"
        f"Choose a new password here (valid for one hour):\n{link}\n\n"
        "If you did not ask for this, ignore this e-mail: your password stays as it is."
    )
    return subject, text


def _limit_reset_emails(address: str, client: str) -> None:
    """TooManyAttempts past RESET_EMAILS_PER_CLIENT or RESET_EMAILS_PER_ACCOUNT (per address
    typed, known or not)."""
    now = clock.utcnow().timestamp()
    ratelimit.enforce(ratelimit.RESET_EMAILS_PER_CLIENT, client, now=now)
    ratelimit.enforce(ratelimit.RESET_EMAILS_PER_ACCOUNT, address, now=now)


def request_reset(email: object, ip_address: str | None = None) -> str:
    """Send a reset link when the e-mail has an active account; the same answer either way
    (TooManyAttempts, the same for every address, once the limits are used up)."""
    address = EmailInput.parse({"email": email}).email
    _limit_reset_emails(address, ratelimit.client_key(ip_address))
    credential = auth.credential_by_email(address)
    if credential is None or not credential.is_active:
        passwords.burn_time("")
        return RESET_REQUESTED_MESSAGE
    token = _common.new_token()
    now = clock.utcnow()
    with session_scope() as db:
        db.add(
            OneTimeToken(
                token_hash=_common.token_hash(token),
                purpose="reset",
                user_id=credential.user_id,
                organization_id=credential.organization_id,
                email=credential.email,
                expires_at=now + RESET_TTL,
                created_at=now,
            )
        )
    subject, text = _reset_email(f"{get_settings().public_url}/reset-password?token={token}")
    mail.send_email(credential.email, subject, text)
    _common.record(
        "auth.password_reset_requested", "user", None,
        organization_id=credential.organization_id, resource_id=credential.user_id,
    )  # fmt: skip
    return RESET_REQUESTED_MESSAGE


def _usable(row: OneTimeToken | None, now: datetime) -> OneTimeToken:
    if row is None or row.purpose != "reset" or row.user_id is None:
        raise ValidationFailed("token", INVALID_LINK)
    if row.used_at is not None:
        raise ValidationFailed("token", USED_LINK)
    if clock.aware(row.expires_at) <= now:
        raise ValidationFailed("token", EXPIRED_LINK)
    return row


def check_reset_token(token: object) -> str:
    """The e-mail the reset link is for (to show on the page), or a clear error."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ValidationFailed("token", INVALID_LINK)
    with session_scope() as db:
        row = db.get(OneTimeToken, _common.token_hash(token))
    return _usable(row, clock.utcnow()).email


def reset_password(token: object, new_password: object, ip_address: str | None = None) -> None:
    """Set a new password with a reset link: single use, ends every session, and lets this
    client sign in to the account again at once (clears its log-in back-off). A client gets
    RESET_PASSWORD_PER_CLIENT tries (TooManyAttempts past them)."""
    data = ResetPasswordInput.parse({"token": token, "new_password": new_password})
    digest = _common.token_hash(data.token)
    now = clock.utcnow()
    client = ratelimit.client_key(ip_address)
    ratelimit.enforce(ratelimit.RESET_PASSWORD_PER_CLIENT, client, now=now.timestamp())
    with session_scope() as db:
        row = _usable(db.get(OneTimeToken, digest), now)
        credential = db.get(UserCredential, row.user_id)
        if credential is None:
            raise ValidationFailed("token", INVALID_LINK)
        try:
            passwords.check_password_policy(data.new_password, credential.email)
        except ValidationFailed as error:
            raise ValidationFailed("new_password", error.message) from None
        claimed = db.exec(
            update(OneTimeToken)
            .where(col(OneTimeToken.token_hash) == digest, col(OneTimeToken.used_at).is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            raise ValidationFailed("token", USED_LINK)
        _close_other_tokens(db, credential.user_id, now)
        credential.password_hash = passwords.hash_password(data.new_password)
        credential.failed_login_count = 0
        credential.locked_until = None
        credential.updated_at = now
        db.add(credential)
        user_id, org_id, email = credential.user_id, credential.organization_id, credential.email
    ratelimit.backoff_clear(ratelimit.LOGIN_PAIR, client, email)
    sessions.revoke_all_sessions(user_id, "password-reset")
    _common.record(
        "auth.password_reset", "user", Principal(user_id, org_id, ""),
        resource_id=user_id, severity="warning",
    )  # fmt: skip


def _close_other_tokens(db: Session, user_id: str, now: datetime) -> None:
    """Every other open reset link of the user stops working too."""
    open_tokens = db.exec(
        select(OneTimeToken).where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == "reset",
            col(OneTimeToken.used_at).is_(None),
        )
    ).all()
    for other in open_tokens:
        other.used_at = now
        db.add(other)
