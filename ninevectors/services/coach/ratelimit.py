"""Per-organization rate limit on coach replies, on the product's one rate limiter
(:mod:`ninevectors.services.ratelimit`): a fixed one-minute window counted in the cache, so it
holds across app workers when the cache is Redis."""

from __future__ import annotations

from ninevectors.services import ratelimit
from ninevectors.services.coach.backends import CoachRateLimited
from ninevectors.settings import get_settings

WINDOW_S = 60


def coach_rule() -> ratelimit.Rule:
    return ratelimit.Rule("coach", get_settings().coach_messages_per_minute, WINDOW_S)


def take_coach_message(organization_id: str, now: float | None = None) -> int:
    """Count one coach message for the organization; CoachRateLimited ("try again in N s")
    when the window's limit is used up. Returns the messages used in this window."""
    rule = coach_rule()
    decision = ratelimit.hit(rule, organization_id, now=now)
    if not decision.allowed:
        raise CoachRateLimited(decision.retry_after)
    return rule.limit - decision.remaining
