"""Log-in, lockout, sessions (sliding expiry, revocation), log-out and password changes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ninevectors.models.tables import AuditLog, UserCredential, UserSession
from ninevectors.services.backends import get_cache
from ninevectors.services.cache import keys
from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import _common, auth, passwords, sessions, users
from ninevectors.services.identity.auth import (
    AccountDeactivated,
    AccountLocked,
    InvalidCredentials,
)
from ninevectors.services.identity.roles import Role
from tests.unit import test_identity_support as support
from tests.unit.test_identity_support import (
    PASSWORD,
    FakeClock,
    add_user,
    sign_up,
    token_of,
)

# Shared fixtures (defined in test_identity_support).
fake_clock = support.fake_clock
identity_env = support.identity_env

EMAIL = "ada@alpha.example"


def credential() -> UserCredential:
    found = auth.credential_by_email(EMAIL)
    assert found is not None
    return found


def test_login_with_the_right_password(identity_env: str) -> None:
    admin = sign_up().principal
    result = auth.login(" ADA@alpha.example ", PASSWORD, "10.0.0.9", "browser")
    assert result.principal.user_id == admin.user_id
    assert result.principal.role == "ORG_ADMIN"
    assert result.principal.ip_address == "10.0.0.9"
    assert len(token_of(result)) >= 40
    user = users.get_current_user(result.principal)
    assert user.auth.last_login is not None


def test_wrong_password_and_unknown_email_give_the_same_error(identity_env: str) -> None:
    sign_up()
    with pytest.raises(InvalidCredentials) as wrong:
        auth.login(EMAIL, "Wrong-Password-1")
    with pytest.raises(InvalidCredentials) as unknown:
        auth.login("nobody@alpha.example", "Wrong-Password-1")
    assert str(wrong.value) == str(unknown.value) == "E-mail or password is incorrect."
    with pytest.raises(InvalidCredentials):
        auth.login(EMAIL, "")
    with pytest.raises(InvalidCredentials):
        auth.login(EMAIL, None)


def test_nothing_secret_is_audited(identity_env: str) -> None:
    sign_up()
    result = auth.login(EMAIL, PASSWORD)
    with pytest.raises(InvalidCredentials):
        auth.login(EMAIL, "Wrong-Password-1")
    auth.logout(token_of(result))
    with session_scope() as db:
        rows = db.exec(select(AuditLog)).all()
    actions = [row.action for row in rows]
    assert {"auth.login", "auth.login_failed", "auth.logout"} <= set(actions)
    dump = " ".join(f"{row.details} {row.resource_id}" for row in rows)
    assert PASSWORD not in dump and "Wrong-Password-1" not in dump and token_of(result) not in dump


def test_five_failures_lock_for_fifteen_minutes(identity_env: str, fake_clock: FakeClock) -> None:
    sign_up()
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1")
    with pytest.raises(AccountLocked) as fifth:
        auth.login(EMAIL, "Wrong-Password-1")
    assert fifth.value.minutes_left == 15
    fake_clock.advance(minutes=5)
    with pytest.raises(AccountLocked) as locked:
        auth.login(EMAIL, PASSWORD)  # even the right password waits
    assert locked.value.minutes_left == 10
    assert "10 minutes" in str(locked.value)
    fake_clock.advance(minutes=10, seconds=1)
    assert auth.login(EMAIL, PASSWORD).principal.role == "ORG_ADMIN"
    assert credential().failed_login_count == 0
    assert credential().locked_until is None


def test_a_success_resets_the_failure_count(identity_env: str, fake_clock: FakeClock) -> None:
    sign_up()
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1")
    auth.login(EMAIL, PASSWORD)
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1")
    assert credential().locked_until is None


def test_deactivated_account_gets_a_clear_error(identity_env: str) -> None:
    admin = sign_up().principal
    member = add_user(admin, "mia@alpha.example", Role.MEMBER)
    users.deactivate_user(admin, member.principal.user_id)
    with pytest.raises(AccountDeactivated) as caught:
        auth.login("mia@alpha.example", PASSWORD)
    assert "deactivated" in str(caught.value)
    with pytest.raises(InvalidCredentials):  # said only after the right password
        auth.login("mia@alpha.example", "Wrong-Password-1")


def test_session_is_stored_by_hash_with_a_sliding_hour(identity_env: str) -> None:
    result = sign_up()
    token = token_of(result)
    digest = _common.token_hash(token)
    cache = get_cache()
    assert sessions.resolve_session(token) is not None
    value = cache.get(keys.session(digest))
    assert value is not None
    assert set(value) == {"sid", "userId", "organizationId", "role", "exp", "seen"}
    assert cache.get(keys.session(token)) is None  # the raw token is never a key
    assert cache.ttl(keys.session(digest)) == pytest.approx(3600, abs=2)
    cache.expire(keys.session(digest), 30)  # 59.5 minutes of inactivity later ...
    assert sessions.resolve_session(token) is not None
    assert cache.ttl(keys.session(digest)) == pytest.approx(3600, abs=2)  # ... pushed back
    with session_scope() as db:
        row = db.exec(select(UserSession).where(UserSession.id == result.session_id)).one()
    assert row.token_hash == digest and token not in str(row.model_dump())


def test_the_handoff_code_gives_one_token_once(identity_env: str, fake_clock: FakeClock) -> None:
    sign_up()
    result = auth.login(EMAIL, PASSWORD)
    token = sessions.redeem_handoff(result.handoff)
    assert token and token != result.handoff
    assert sessions.redeem_handoff(result.handoff) is None  # single use
    assert sessions.resolve_session(result.handoff) is None  # the code is no session
    late = auth.login(EMAIL, PASSWORD)
    fake_clock.advance(seconds=61)
    assert sessions.redeem_handoff(late.handoff) is None  # expired
    assert sessions.redeem_handoff(None) is None and sessions.redeem_handoff("x" * 999) is None


def test_sessions_survive_the_loss_of_the_cache(identity_env: str) -> None:
    """A restart of the embedded default (or a flushed Redis) logs nobody out."""
    token = token_of(sign_up())
    assert sessions.resolve_session(token) is not None
    get_cache().close()  # the in-process cache forgets everything, as after a restart
    resolved = sessions.resolve_session(token)
    assert resolved is not None and resolved.role == "ORG_ADMIN"
    assert get_cache().get(keys.session(_common.token_hash(token))) is not None  # filled again


def test_an_unreachable_cache_falls_back_to_the_database(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_of(sign_up())
    cache = get_cache()

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise CacheUnavailable("down")

    for name in ("get_and_touch", "set", "delete"):
        monkeypatch.setattr(cache, name, unreachable)
    assert sessions.resolve_session(token) is not None
    auth.logout(token)  # the row is ended even though the cache cannot be told
    assert sessions.resolve_session(token) is None


def test_idle_sessions_end_after_an_hour_even_without_the_cache(
    identity_env: str, fake_clock: FakeClock
) -> None:
    token = token_of(sign_up())
    fake_clock.advance(minutes=50)
    assert sessions.resolve_session(token) is not None  # activity moves last_seen_at
    get_cache().close()
    fake_clock.advance(minutes=50)
    assert sessions.resolve_session(token) is not None  # 50 idle minutes: still live
    get_cache().close()
    fake_clock.advance(minutes=61)
    assert sessions.resolve_session(token) is None
    assert sessions.active_session_count(sessions.end_session(token).user_id) == 0  # type: ignore[union-attr]


def test_a_revoked_session_is_refused_by_every_path(identity_env: str) -> None:
    result = sign_up()
    token = token_of(result)
    assert sessions.resolve_session(token) is not None
    assert sessions.revoke_all_sessions(result.principal.user_id) == 1
    assert sessions.resolve_session(token) is None
    get_cache().close()
    assert sessions.resolve_session(token) is None
    assert sessions.list_sessions(result.principal.user_id) == []


def test_resolve_session_reports_unknown_and_malformed_tokens(identity_env: str) -> None:
    sign_up()
    assert sessions.resolve_session("not-a-session") is None
    assert sessions.resolve_session("") is None
    assert sessions.resolve_session(None) is None
    assert sessions.resolve_session({"token": 1}) is None
    assert sessions.resolve_session("x" * 10_000) is None


def test_sessions_end_at_the_absolute_cap(identity_env: str, fake_clock: FakeClock) -> None:
    result = sign_up()
    for _step in range(14):  # active every 50 minutes: 11 h 40 min in all
        fake_clock.advance(minutes=50)
        assert sessions.resolve_session(token_of(result)) is not None
    fake_clock.advance(minutes=20, seconds=1)
    assert sessions.resolve_session(token_of(result)) is None
    assert sessions.active_session_count(result.principal.user_id) == 0


def test_logout_revokes_only_that_session(identity_env: str) -> None:
    first = sign_up()
    second = auth.login(EMAIL, PASSWORD)
    auth.logout(token_of(first))
    assert sessions.resolve_session(token_of(first)) is None
    assert sessions.resolve_session(token_of(second)) is not None
    auth.logout(token_of(first))  # twice is harmless
    auth.logout("unknown")


def test_resolve_returns_the_current_role(identity_env: str) -> None:
    admin = sign_up().principal
    member = add_user(admin, "mia@alpha.example", Role.MEMBER)
    assert sessions.resolve_session(token_of(member)).role == "MEMBER"  # type: ignore[union-attr]
    users.change_role(admin, member.principal.user_id, Role.MANAGER)
    assert sessions.resolve_session(token_of(member)) is None  # old role's session ended
    again = auth.login("mia@alpha.example", PASSWORD)
    assert sessions.resolve_session(token_of(again)).role == "MANAGER"  # type: ignore[union-attr]


def test_change_password(identity_env: str) -> None:
    result = sign_up()
    with pytest.raises(ValidationFailed) as wrong:
        auth.change_password(
            result.principal, {"current_password": "nope", "new_password": "Another-Pass-9"}
        )
    assert wrong.value.field == "current_password"
    with pytest.raises(ValidationFailed) as weak:
        auth.change_password(
            result.principal, {"current_password": PASSWORD, "new_password": "weak"}
        )
    assert weak.value.field == "new_password"
    auth.change_password(
        result.principal, {"current_password": PASSWORD, "new_password": "Another-Pass-9"}
    )
    assert sessions.resolve_session(token_of(result)) is None
    assert auth.login(EMAIL, "Another-Pass-9")
    with pytest.raises(InvalidCredentials):
        auth.login(EMAIL, PASSWORD)


def test_outdated_hash_is_upgraded_at_login(
    identity_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up()
    old_hash = credential().password_hash
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())  # today's stronger params
    auth.login(EMAIL, PASSWORD)
    new_hash = credential().password_hash
    assert new_hash != old_hash and not passwords.needs_rehash(new_hash or "")
    assert auth.login(EMAIL, PASSWORD)
