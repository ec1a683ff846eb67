"""Log-in, sign-in throttling, sessions (sliding expiry, revocation), log-out, passwords."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ninevectors.models.tables import AuditLog, UserCredential, UserSession
from ninevectors.services import ratelimit
from ninevectors.services.backends import get_cache, reset_backends
from ninevectors.services.cache import keys
from ninevectors.services.cache.base import CacheUnavailable
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import _common, auth, passwords, sessions, users
from ninevectors.services.identity.auth import (
    AccountDeactivated,
    InvalidCredentials,
    LoginThrottled,
)
from ninevectors.services.identity.roles import Role
from ninevectors.settings import get_settings
from tests.servers import free_port
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
HOME = "192.0.2.10"  # where the person signs in from
OFFICE = "192.0.2.20"
ATTACKER = "203.0.113.66"


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


def test_five_wrong_passwords_make_that_client_wait_a_minute(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", HOME)
    with pytest.raises(LoginThrottled) as fifth:
        auth.login(EMAIL, "Wrong-Password-1", HOME)
    assert fifth.value.retry_after == 60
    assert str(fifth.value) == "Too many attempts — try again in 60 s."
    fake_clock.advance(seconds=20)
    with pytest.raises(LoginThrottled) as waiting:
        auth.login(EMAIL, PASSWORD, HOME)  # even the right password waits, from this client
    assert waiting.value.retry_after == 40
    fake_clock.advance(seconds=40)
    assert auth.login(EMAIL, PASSWORD, HOME).principal.role == "ORG_ADMIN"
    assert credential().failed_login_count == 0
    assert credential().locked_until is None  # the account itself was never locked


def test_the_wait_doubles_with_each_further_failure_up_to_fifteen_minutes(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", ATTACKER)
    waits = []
    for _attempt in range(6):
        with pytest.raises(LoginThrottled) as caught:
            auth.login(EMAIL, "Wrong-Password-1", ATTACKER)
        waits.append(caught.value.retry_after)
        fake_clock.advance(seconds=caught.value.retry_after)
    assert waits == [60, 120, 240, 480, 900, 900]
    assert credential().failed_login_count == 10


def test_an_attacker_elsewhere_cannot_keep_the_person_out(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    for _attempt in range(12):
        with pytest.raises((InvalidCredentials, LoginThrottled)):
            auth.login(EMAIL, "Wrong-Password-1", ATTACKER)
    with pytest.raises(LoginThrottled):
        auth.login(EMAIL, PASSWORD, ATTACKER)
    with pytest.raises(InvalidCredentials):  # the person's own typo is just a typo
        auth.login(EMAIL, "Wrong-Password-1", HOME)
    result = auth.login(EMAIL, PASSWORD, HOME)
    assert result.principal.role == "ORG_ADMIN" and result.principal.ip_address == HOME


def test_a_success_clears_that_clients_failures(identity_env: str, fake_clock: FakeClock) -> None:
    sign_up()
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", HOME)
    auth.login(EMAIL, PASSWORD, HOME)
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", HOME)
    assert credential().failed_login_count == 4
    with pytest.raises(LoginThrottled):
        auth.login(EMAIL, "Wrong-Password-1", HOME)  # five in a row since the success


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()

    def answers(email: str) -> list[str]:
        seen = []
        for _attempt in range(7):
            with pytest.raises((InvalidCredentials, LoginThrottled)) as caught:
                auth.login(email, "Wrong-Password-1", ATTACKER)
            seen.append(str(caught.value))
        return seen

    assert answers(EMAIL) == answers("nobody@alpha.example")


def test_one_client_is_limited_across_all_accounts(
    identity_env: str, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credential stuffing: one try per account, many accounts, from one client."""
    sign_up()
    fake_clock.advance(minutes=2)  # two minutes into a ten-minute window
    for number in range(ratelimit.LOGIN_PER_CLIENT.limit):
        with pytest.raises(InvalidCredentials):
            auth.login(f"user{number}@alpha.example", "Wrong-Password-1", ATTACKER)
    hashed: list[object] = []
    with monkeypatch.context() as patched:
        patched.setattr(passwords, "verify_password", lambda *args: hashed.append(args))
        with pytest.raises(LoginThrottled) as caught:
            auth.login(EMAIL, PASSWORD, ATTACKER)
    assert caught.value.retry_after == 8 * 60
    assert hashed == []  # refused before any password is checked
    assert auth.login(EMAIL, PASSWORD, HOME)  # another client is not concerned
    fake_clock.advance(minutes=8)
    assert auth.login(EMAIL, PASSWORD, ATTACKER)  # the next window


def test_successful_logins_do_not_use_up_the_clients_limit(identity_env: str) -> None:
    """An office behind one address signs in every morning."""
    sign_up()
    for _attempt in range(ratelimit.LOGIN_PER_CLIENT.limit + 5):
        assert auth.login(EMAIL, PASSWORD, OFFICE)


def test_a_distributed_attack_is_slowed_but_known_clients_still_get_in(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    assert auth.login(EMAIL, PASSWORD, HOME)  # the person has signed in from home before
    fake_clock.advance(minutes=1)  # one minute into a five-minute window
    for number in range(ratelimit.LOGIN_PER_ACCOUNT.limit):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", f"198.51.100.{number}")
    with pytest.raises(LoginThrottled) as caught:
        auth.login(EMAIL, PASSWORD, "203.0.113.50")  # a new client waits for the window
    assert caught.value.retry_after == 4 * 60
    assert "try again in 4 min" in str(caught.value)
    assert auth.login(EMAIL, PASSWORD, HOME)  # the known client is never held back
    fake_clock.advance(minutes=4)
    assert auth.login(EMAIL, PASSWORD, "203.0.113.50")


def test_addresses_of_one_ipv6_block_count_as_one_client(
    identity_env: str, fake_clock: FakeClock
) -> None:
    sign_up()
    for host in range(1, 5):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", f"2001:db8:1:2::{host}")
    with pytest.raises(LoginThrottled):
        auth.login(EMAIL, "Wrong-Password-1", "2001:db8:1:2:ffff::9")
    with pytest.raises(InvalidCredentials):  # another /64 is another client
        auth.login(EMAIL, "Wrong-Password-1", "2001:db8:1:3::1")


def test_throttling_holds_while_redis_is_unreachable(
    identity_env: str,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Counted in the worker instead of Redis (and said in the log): never unlimited."""
    sign_up()
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", "redis")
    monkeypatch.setenv("NINEVECTORS_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    reset_backends()
    for _attempt in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(EMAIL, "Wrong-Password-1", ATTACKER)
    with pytest.raises(LoginThrottled):
        auth.login(EMAIL, "Wrong-Password-1", ATTACKER)
    assert auth.login(EMAIL, PASSWORD, HOME).principal.role == "ORG_ADMIN"
    warnings = [record for record in caplog.records if record.name == ratelimit.__name__]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


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
