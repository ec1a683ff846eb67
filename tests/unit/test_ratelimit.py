"""The rate limiter's own rules: client keys, waits, messages, and an unreachable cache."""

from __future__ import annotations

import pytest

from ninevectors.services import ratelimit
from ninevectors.services.backends import reset_backends
from ninevectors.services.cache.redis import RedisCache
from ninevectors.services.ratelimit import RateLimiter, Rule, TooManyAttempts
from ninevectors.settings import get_settings
from tests.servers import free_port

START = 1_800_000_015.0
RULE = Rule("test-minute", limit=2, window_seconds=60)


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
        ("", "unknown"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_client_key(address: str | None, client: str) -> None:
    assert ratelimit.client_key(address) == client


def test_the_sign_in_backoff_doubles_from_one_minute_to_fifteen() -> None:
    waits = [ratelimit.LOGIN_PAIR.wait_after(failures) for failures in range(1, 11)]
    assert waits == [0, 0, 0, 0, 60, 120, 240, 480, 900, 900]
    assert ratelimit.LOGIN_PAIR.wait_after(10_000) == 900


def test_the_message_says_when_to_try_again() -> None:
    assert str(TooManyAttempts(45)) == "Too many attempts — try again in 45 s."
    assert str(TooManyAttempts(119)) == "Too many attempts — try again in 119 s."
    assert str(TooManyAttempts(121)) == "Too many attempts — try again in 3 min."
    refused = TooManyAttempts(0)
    assert refused.retry_after == 1 and refused.message == str(refused)


def test_enforce_raises_with_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", "memory")
    get_settings.cache_clear()
    reset_backends()
    for _hit in range(2):
        ratelimit.enforce(RULE, "k", now=START)
    with pytest.raises(TooManyAttempts) as caught:
        ratelimit.enforce(RULE, "k", now=START)
    assert caught.value.retry_after == 45
    reset_backends()  # the limiter counts in the configured cache: a new one forgets
    assert ratelimit.enforce(RULE, "k", now=START).remaining == 1
    reset_backends()
    get_settings.cache_clear()


def test_an_unreachable_redis_falls_back_to_counting_in_the_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)
    limiter = RateLimiter(lambda: down)
    decisions = [limiter.hit(RULE, "k", now=START) for _hit in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[2].retry_after == 45
    for _failure in range(5):
        limiter.backoff_failure(ratelimit.LOGIN_PAIR, "k", now=START)
    assert not limiter.backoff_status(ratelimit.LOGIN_PAIR, "k", now=START).allowed
    warnings = [record for record in caplog.records if record.name == ratelimit.__name__]
    assert len(warnings) == 1  # said once, not on every hit
    assert "unreachable" in warnings[0].getMessage()
    down.close()
