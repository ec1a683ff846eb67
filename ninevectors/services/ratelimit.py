"""The product's one rate limiter: named rules counted in the configured cache.

Sign-in and the coach count here (the API and webhooks are meant to as well: see
API_PER_CLIENT), in the cache the settings choose (in-process by default, Redis in
production), so a limit holds across every worker.

- A :class:`Rule` allows ``limit`` hits per fixed window of ``window_seconds``, aligned to the
  epoch (a one-minute rule counts 12:00:00-12:00:59, then starts again). One atomic
  ``incr`` per hit, the same on Redis and in-process; a burst that straddles a boundary can
  get up to twice the limit in a short moment, and the rules are sized with that in mind.
- A :class:`Backoff` lets a key fail ``free_failures`` times, then makes it wait
  ``first_wait_seconds``, doubling with each further failure up to ``max_wait_seconds``.
- A :class:`Flag` remembers a key for a while (a client that signed in to an account before).

Every call takes an optional ``now`` (epoch seconds) so callers with their own clock (and
tests) move windows and waits. Keys hold a digest of their parts, never an e-mail address or
an IP address in clear.

When the cache is unreachable (:class:`CacheUnavailable`) the limiter counts in an in-process
fallback and logs a warning (at most once a minute): limits keep holding, per worker instead
of across all of them, until the cache is back. Nothing becomes unlimited, and nothing is
refused just because Redis is down.

We build on our :class:`Cache` rather than the ``limits`` library: its strategies read the
system clock themselves (no injectable ``now``, so no exact window tests on Redis), it
would open its own Redis pool outside our key prefix and our fail-fast
``CacheUnavailable`` handling, and it has no back-off primitive.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from ninevectors.services.backends import get_cache
from ninevectors.services.cache.base import Cache, CacheUnavailable
from ninevectors.services.cache.memory import MemoryCache
from ninevectors.services.errors import Forbidden

log = logging.getLogger(__name__)

T = TypeVar("T")
TTL_SLACK_SECONDS = 5  # a window's counter outlives the window a little (clock skew)
WARN_EVERY_SECONDS = 60.0
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Backoff:
    name: str
    free_failures: int
    first_wait_seconds: int
    max_wait_seconds: int
    memory_seconds: int  # a series of failures is forgotten this long after its last one

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after the ``failures``-th failure in a row (0: none yet)."""
        if failures < self.free_failures:
            return 0
        doublings = min(failures - self.free_failures, 32)  # 2**32 minutes is past any cap
        return min(self.max_wait_seconds, self.first_wait_seconds * 2**doublings)


@dataclass(frozen=True)
class Flag:
    name: str
    ttl_seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until it may be tried again; 0 when allowed
    remaining: int  # hits left in the window (for a back-off: failures before a wait)


class TooManyAttempts(Forbidden):
    """Refused by a rate limit; the message says when to try again (safe to show as is)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        self.message = f"Too many attempts — try again in {wait_text(self.retry_after)}."
        super().__init__(self.message)


def wait_text(seconds: int) -> str:
    """``45 s`` for short waits, ``4 min`` (rounded up) from two minutes on."""
    if seconds < 120:
        return f"{seconds} s"
    return f"{math.ceil(seconds / 60)} min"


# --- the product's rules --------------------------------------------------------------------
# Sign-in. Every one is counted before a password is hashed, so a refused attempt costs
# a cache round trip, not an argon2 verification.

# Wrong passwords per (client address, e-mail) pair: the account itself is never locked, so an
# outsider failing on purpose elsewhere cannot keep the person out.
LOGIN_PAIR = Backoff(
    "login-pair",
    free_failures=5,
    first_wait_seconds=60,
    max_wait_seconds=15 * 60,
    memory_seconds=24 * 3600,
)
# Failed log-ins from one address across all accounts (credential stuffing). Each attempt
# counts up front; a successful one is given back.
LOGIN_PER_CLIENT = Rule("login-client", limit=20, window_seconds=10 * 60)
# Failed log-ins for one e-mail across all addresses (a distributed attack): slows it, and a
# client that signed in to the account before (KNOWN_SIGN_IN) is never held back by it.
LOGIN_PER_ACCOUNT = Rule("login-account", limit=30, window_seconds=5 * 60)
KNOWN_SIGN_IN = Flag("login-known", ttl_seconds=30 * 24 * 3600)
SIGNUP_PER_CLIENT = Rule("signup-client", limit=10, window_seconds=3600)
# Reset e-mails, counted per address typed whether or not it has an account (no enumeration).
RESET_EMAILS_PER_ACCOUNT = Rule("reset-email-account", limit=3, window_seconds=3600)
RESET_EMAILS_PER_CLIENT = Rule("reset-email-client", limit=10, window_seconds=3600)
RESET_PASSWORD_PER_CLIENT = Rule("reset-password-client", limit=10, window_seconds=15 * 60)
# Second-factor codes (a 6-digit TOTP has a million values: guessing needs many tries).
MFA_PER_CLIENT = Rule("mfa-client", limit=20, window_seconds=10 * 60)
MFA_PER_ACCOUNT = Rule("mfa-account", limit=10, window_seconds=10 * 60)
# Failed invitation acceptances per address (successes are given back: an office joins at once).
ACCEPT_INVITATION_PER_CLIENT = Rule("accept-invitation-client", limit=10, window_seconds=15 * 60)
# SSO: each start asks the provider's discovery document, each callback a token exchange.
SSO_START_PER_CLIENT = Rule("sso-start-client", limit=30, window_seconds=10 * 60)
SSO_START_PER_ACCOUNT = Rule("sso-start-account", limit=20, window_seconds=10 * 60)
SSO_CALLBACK_PER_CLIENT = Rule("sso-callback-client", limit=30, window_seconds=10 * 60)
SSO_CALLBACK_PER_ACCOUNT = Rule("sso-callback-account", limit=20, window_seconds=10 * 60)
# The API gateway's limit in the reference architecture: 1,000 requests a minute per IP.
API_PER_CLIENT = Rule("api-client", limit=1000, window_seconds=60)


def client_key(ip_address: str | None) -> str:
    """The address a client is counted under: IPv4 as is, IPv6 by its /64 (one subscriber
    gets a whole /64, so single IPv6 addresses would be free to rotate)."""
    if not ip_address:
        return UNKNOWN_CLIENT
    try:
        address = ipaddress.ip_address(ip_address.strip())
    except ValueError:
        return ip_address.strip()[:100] or UNKNOWN_CLIENT
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _key(name: str, key_parts: tuple[str, ...], *suffix: str) -> str:
    digest = hashlib.sha256("\x1f".join(key_parts).encode("utf-8")).hexdigest()[:32]
    return ":".join(("ratelimit", name, digest, *suffix))


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _seconds_until(deadline: float, moment: float) -> int:
    return max(1, math.ceil(deadline - moment))


class RateLimiter:
    """Counts rules in ``cache()`` (the configured cache by default), falling back to an
    in-process cache while that one is unreachable."""

    def __init__(self, cache: Callable[[], Cache] = get_cache) -> None:
        self._cache = cache
        self._fallback = MemoryCache()
        self._warned_at: float | None = None

    def _run(self, operation: Callable[[Cache], T]) -> T:
        try:
            return operation(self._cache())
        except CacheUnavailable:
            self._warn_unreachable()
            return operation(self._fallback)

    def _warn_unreachable(self) -> None:
        moment = time.monotonic()
        if self._warned_at is not None and moment - self._warned_at < WARN_EVERY_SECONDS:
            return
        self._warned_at = moment
        log.warning(
            "rate limiter: the cache is unreachable; counting in this worker only until it "
            "is back (limits hold per process, not across workers)"
        )

    # --- windows ---------------------------------------------------------------------------

    def hit(self, rule: Rule, *key_parts: str, now: float | None = None, cost: int = 1) -> Decision:
        """Count ``cost`` hits for the key in the current window and say whether it is within
        the limit (a refused hit counts too: hammering does not reopen the window)."""
        moment = _now(now)
        window = int(moment // rule.window_seconds)
        key = _key(rule.name, key_parts, str(window))
        ttl = rule.window_seconds + TTL_SLACK_SECONDS
        count = self._run(lambda cache: cache.incr(key, cost, ttl_seconds=ttl))
        if count <= rule.limit:
            return Decision(True, 0, rule.limit - count)
        return Decision(False, _seconds_until((window + 1) * rule.window_seconds, moment), 0)

    def refund(self, rule: Rule, *key_parts: str, now: float | None = None) -> None:
        """Give back one hit of the window of ``now`` (pass the ``now`` of the hit)."""
        self.hit(rule, *key_parts, now=now, cost=-1)

    # --- back-off --------------------------------------------------------------------------

    def backoff_status(self, rule: Backoff, *key_parts: str, now: float | None = None) -> Decision:
        """Whether the key may try now, or how long it still waits."""
        moment = _now(now)
        failures_key = _key(rule.name, key_parts, "failures")
        until_key = _key(rule.name, key_parts, "until")
        failures, until = self._run(lambda cache: (cache.get(failures_key), cache.get(until_key)))
        remaining = max(0, rule.free_failures - int(failures or 0))
        if until is not None and float(until) > moment:
            return Decision(False, _seconds_until(float(until), moment), remaining)
        return Decision(True, 0, remaining)

    def backoff_failure(self, rule: Backoff, *key_parts: str, now: float | None = None) -> Decision:
        """Count a failure; refused (with the wait) when the key must now wait."""
        moment = _now(now)
        failures_key = _key(rule.name, key_parts, "failures")
        until_key = _key(rule.name, key_parts, "until")

        def record(cache: Cache) -> tuple[int, int]:
            failures = cache.incr(failures_key, 1, ttl_seconds=rule.memory_seconds)
            cache.expire(failures_key, rule.memory_seconds)  # remembered from the last one
            wait = rule.wait_after(failures)
            if wait:
                cache.set(until_key, moment + wait, ttl_seconds=wait + TTL_SLACK_SECONDS)
            return failures, wait

        failures, wait = self._run(record)
        return Decision(wait == 0, wait, max(0, rule.free_failures - failures))

    def backoff_clear(self, rule: Backoff, *key_parts: str) -> None:
        failures_key = _key(rule.name, key_parts, "failures")
        until_key = _key(rule.name, key_parts, "until")

        def clear(cache: Cache) -> None:
            cache.delete(failures_key)
            cache.delete(until_key)

        self._run(clear)

    # --- flags -----------------------------------------------------------------------------

    def mark(self, flag: Flag, *key_parts: str) -> None:
        key = _key(flag.name, key_parts)
        self._run(lambda cache: cache.set(key, 1, ttl_seconds=flag.ttl_seconds))

    def is_marked(self, flag: Flag, *key_parts: str) -> bool:
        key = _key(flag.name, key_parts)
        return self._run(lambda cache: cache.get(key)) is not None


@lru_cache(maxsize=1)
def get_limiter() -> RateLimiter:
    """The process's limiter, on the configured cache (looked up on every call)."""
    return RateLimiter()


# --- the process's limiter, as functions ----------------------------------------------------


def hit(rule: Rule, *key_parts: str, now: float | None = None) -> Decision:
    return get_limiter().hit(rule, *key_parts, now=now)


def enforce(rule: Rule, *key_parts: str, now: float | None = None) -> Decision:
    """``hit``, raising TooManyAttempts ("try again in N s") when the limit is used up."""
    decision = hit(rule, *key_parts, now=now)
    if not decision.allowed:
        raise TooManyAttempts(decision.retry_after)
    return decision


def refund(rule: Rule, *key_parts: str, now: float | None = None) -> None:
    get_limiter().refund(rule, *key_parts, now=now)


def backoff_status(rule: Backoff, *key_parts: str, now: float | None = None) -> Decision:
    return get_limiter().backoff_status(rule, *key_parts, now=now)


def backoff_failure(rule: Backoff, *key_parts: str, now: float | None = None) -> Decision:
    return get_limiter().backoff_failure(rule, *key_parts, now=now)


def backoff_clear(rule: Backoff, *key_parts: str) -> None:
    get_limiter().backoff_clear(rule, *key_parts)


def mark(flag: Flag, *key_parts: str) -> None:
    get_limiter().mark(flag, *key_parts)


def is_marked(flag: Flag, *key_parts: str) -> bool:
    return get_limiter().is_marked(flag, *key_parts)
