"""Fixtures and helpers shared by the identity tests (imported by the other identity tests).

``identity_env`` gives each test a fresh migrated SQLite database, the SQL document store on
it and an in-process cache; argon2 runs with cheap parameters so the suite stays fast (one
test checks that such hashes get upgraded at the next log-in).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import col, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import OutboxEmail
from ninevectors.services import ratelimit
from ninevectors.services.backends import get_store, reset_backends
from ninevectors.services.database import session_scope
from ninevectors.services.identity import clock, invitations, passwords, sessions, signup
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.sessions import LoginResult
from ninevectors.settings import get_settings

PASSWORD = "Correct-Horse-42"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class FakeClock:
    """Stands in for ``clock.utcnow``; ``advance`` moves time forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _use_backends(monkeypatch: pytest.MonkeyPatch, cache: str, redis_url: str = "") -> None:
    monkeypatch.setenv("NINEVECTORS_STORE_BACKEND", "sql")
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", cache)
    monkeypatch.setenv("NINEVECTORS_REDIS_URL", redis_url)
    get_settings.cache_clear()
    reset_backends()


@pytest.fixture
def identity_env(
    temp_database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """A fresh database + SQL store + memory cache; yields the database URL."""
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    _use_backends(monkeypatch, "memory")
    ratelimit.get_limiter.cache_clear()  # a fresh fallback: no counts from another test
    yield temp_database
    get_store().close()
    reset_backends()
    ratelimit.get_limiter.cache_clear()


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(clock, "utcnow", fake)
    return fake


def sign_up(email: str = "ada@alpha.example", org: str = "Alpha Ltd", **extra: str) -> LoginResult:
    data = {
        "organization_name": org,
        "email": email,
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        **extra,
    }
    result = signup.sign_up(data, ip_address="127.0.0.1", user_agent="pytest")
    token_of(result)  # the browser takes the hand-off to the cookie route at once
    return result


def last_link_token(to: str, path: str) -> str:
    """The token of the newest e-mailed ``/path?token=...`` link sent to ``to``."""
    with session_scope() as db:
        rows = db.exec(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == to)
            .order_by(col(OutboxEmail.created_at).desc())
        ).all()
    for row in rows:
        found = re.search(rf"/{path}\?token=([A-Za-z0-9_\-]+)", row.text_body)
        if found:
            return found.group(1)
    raise AssertionError(f"no {path} link was e-mailed to {to}")


def add_user(admin: Principal, email: str, role: Role, first_name: str = "Test") -> LoginResult:
    """Invite ``email`` as ``role`` and accept the invitation; the new user's log-in."""
    invitations.invite(admin, email, role)
    token = last_link_token(email, "accept-invite")
    result = invitations.accept_invitation(token, first_name, "User", PASSWORD)
    token_of(result)
    return result


_tokens: dict[str, str] = {}


def token_of(result: LoginResult) -> str:
    """The cookie token of a started session, as the cookie route would mint it (once)."""
    if result.handoff not in _tokens:
        token = sessions.redeem_handoff(result.handoff)
        assert token is not None, "the hand-off code was not redeemable"
        _tokens[result.handoff] = token
    return _tokens[result.handoff]


def test_fake_clock_moves() -> None:
    fake = FakeClock()
    start = fake()
    fake.advance(minutes=5)
    assert fake() - start == timedelta(minutes=5)


def test_sign_up_helper_logs_the_admin_in(identity_env: str) -> None:
    result = sign_up()
    assert result.principal.role == Role.ORG_ADMIN.value
    assert token_of(result)
