"""Password reset: no enumeration, single use, one-hour expiry, limits, sessions ended."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ninevectors.models.tables import OneTimeToken, OutboxEmail
from ninevectors.services import ratelimit
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import auth, password_reset, sessions
from ninevectors.services.identity.auth import InvalidCredentials, LoginThrottled
from ninevectors.services.ratelimit import TooManyAttempts
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import (
    PASSWORD,
    FakeClock,
    last_link_token,
    sign_up,
    token_of,
)

# Shared fixtures (defined in test_identity_support).
fake_clock = support.fake_clock
identity_env = support.identity_env

EMAIL = "ada@alpha.example"
NEW = "Brand-New-Pass-7"
HOME = "192.0.2.10"
ATTACKER = "203.0.113.66"


def outbox_count() -> int:
    with session_scope() as db:
        return len(db.exec(select(OutboxEmail)).all())


def test_same_answer_for_known_and_unknown_emails(identity_env: str) -> None:
    sign_up()
    known = password_reset.request_reset(EMAIL.upper())
    unknown = password_reset.request_reset("nobody@alpha.example")
    assert known == unknown == password_reset.RESET_REQUESTED_MESSAGE
    assert outbox_count() == 1
    with session_scope() as db:
        mail = db.exec(select(OutboxEmail)).one()
    assert mail.organization_id is None  # never shown in an organization's outbox
    assert "http://localhost:3000/reset-password?token=" in mail.text_body


def test_reset_sets_the_password_and_ends_sessions(identity_env: str) -> None:
    session = sign_up()
    password_reset.request_reset(EMAIL)
    token = last_link_token(EMAIL, "reset-password")
    with session_scope() as db:
        row = db.exec(select(OneTimeToken)).one()
    assert row.token_hash != token and len(row.token_hash) == 64 and row.purpose == "reset"
    assert password_reset.check_reset_token(token) == EMAIL
    password_reset.reset_password(token, NEW)
    assert sessions.resolve_session(token_of(session)) is None
    assert auth.login(EMAIL, NEW)
    with pytest.raises(InvalidCredentials):
        auth.login(EMAIL, PASSWORD)


def test_reset_token_is_single_use(identity_env: str) -> None:
    sign_up()
    password_reset.request_reset(EMAIL)
    token = last_link_token(EMAIL, "reset-password")
    password_reset.reset_password(token, NEW)
    with pytest.raises(ValidationFailed) as caught:
        password_reset.reset_password(token, "Yet-Another-Pass-8")
    assert "already been used" in caught.value.message
    assert auth.login(EMAIL, NEW)


def test_a_new_password_closes_older_links(identity_env: str) -> None:
    sign_up()
    password_reset.request_reset(EMAIL)
    first = last_link_token(EMAIL, "reset-password")
    password_reset.request_reset(EMAIL)
    second = last_link_token(EMAIL, "reset-password")
    assert first != second
    password_reset.reset_password(second, NEW)
    with pytest.raises(ValidationFailed):
        password_reset.reset_password(first, "Yet-Another-Pass-8")


def test_expired_reset_token(identity_env: str, fake_clock: FakeClock) -> None:
    sign_up()
    password_reset.request_reset(EMAIL)
    token = last_link_token(EMAIL, "reset-password")
    fake_clock.advance(minutes=61)
    with pytest.raises(ValidationFailed) as caught:
        password_reset.reset_password(token, NEW)
    assert "expired" in caught.value.message
    assert auth.login(EMAIL, PASSWORD)


def test_weak_new_password_keeps_the_token(identity_env: str) -> None:
    sign_up()
    password_reset.request_reset(EMAIL)
    token = last_link_token(EMAIL, "reset-password")
    with pytest.raises(ValidationFailed) as caught:
        password_reset.reset_password(token, "weakweakweak")
    assert caught.value.field == "new_password"
    with pytest.raises(ValidationFailed) as too_long:
        password_reset.reset_password(token, "Aa1!" * 40)
    assert too_long.value.field == "new_password"
    password_reset.reset_password(token, NEW)  # still usable


def test_a_reset_lets_that_client_sign_in_again_at_once(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    for _attempt in range(5):
        with pytest.raises((InvalidCredentials, LoginThrottled)):
            auth.login(EMAIL, "Wrong-Password-1", HOME)
    with pytest.raises(LoginThrottled):
        auth.login(EMAIL, PASSWORD, HOME)
    password_reset.request_reset(EMAIL, HOME)
    password_reset.reset_password(last_link_token(EMAIL, "reset-password"), NEW, HOME)
    assert auth.login(EMAIL, NEW, HOME)


def test_reset_emails_are_limited_per_address_without_revealing_accounts(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    fake_clock.advance(minutes=15)  # a quarter into the hour's window

    def answers(email: str, client: str) -> list[str]:
        seen = []
        for _attempt in range(ratelimit.RESET_EMAILS_PER_ACCOUNT.limit + 1):
            try:
                seen.append(password_reset.request_reset(email, client))
            except TooManyAttempts as refused:
                seen.append(f"{refused} ({refused.retry_after})")
        return seen

    known, unknown = answers(EMAIL, HOME), answers("nobody@alpha.example", "192.0.2.11")
    assert known == unknown
    assert known[:3] == [password_reset.RESET_REQUESTED_MESSAGE] * 3
    assert known[3] == "Too many attempts — try again in 45 min. (2700)"
    assert outbox_count() == 3  # three links to the real account, nothing more
    with pytest.raises(TooManyAttempts):
        password_reset.request_reset(EMAIL, "198.51.100.7")  # per address, from anywhere
    fake_clock.advance(minutes=45)
    assert password_reset.request_reset(EMAIL, HOME) == password_reset.RESET_REQUESTED_MESSAGE
    assert outbox_count() == 4


def test_reset_emails_are_limited_per_client(identity_env: str, fake_clock: FakeClock) -> None:
    sign_up()
    for number in range(ratelimit.RESET_EMAILS_PER_CLIENT.limit):
        password_reset.request_reset(f"user{number}@alpha.example", ATTACKER)
    with pytest.raises(TooManyAttempts):
        password_reset.request_reset(EMAIL, ATTACKER)
    assert outbox_count() == 0
    password_reset.request_reset(EMAIL, HOME)
    assert outbox_count() == 1


def test_setting_a_new_password_is_limited_per_client(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    password_reset.request_reset(EMAIL, HOME)
    token = last_link_token(EMAIL, "reset-password")
    for _attempt in range(ratelimit.RESET_PASSWORD_PER_CLIENT.limit):
        with pytest.raises(ValidationFailed):
            password_reset.reset_password("guessed-token", NEW, ATTACKER)
    with pytest.raises(TooManyAttempts):
        password_reset.reset_password(token, NEW, ATTACKER)
    password_reset.reset_password(token, NEW, HOME)  # the link still works, elsewhere
    assert auth.login(EMAIL, NEW, HOME)


def test_bad_tokens_and_emails(identity_env: str) -> None:
    for token in ("nope", "", None, "x" * 500):
        with pytest.raises(ValidationFailed) as caught:
            password_reset.reset_password(token, NEW)
        assert caught.value.field == "token"
    with pytest.raises(ValidationFailed) as bad_email:
        password_reset.request_reset("not an e-mail")
    assert bad_email.value.field == "email"
