"""Per-organization rate limit on coach replies: a fixed one-minute window counted in the cache
(``cache.incr`` with a TTL), so it holds across app workers when the cache is Redis."""

from __future__ import annotations

import time

from ninevectors.services.backends import get_cache
from ninevectors.services.coach.backends import CoachRateLimited
from ninevectors.settings import get_settings

WINDOW_S = 60


def rate_limit_key(organization_id: str, window: int) -> str:
    return f"ratelimit:coach:{organization_id}:{window}"


def take_coach_message(organization_id: str, now: float | None = None) -> int:
    """Count one coach message for the organization; CoachRateLimited ("try again in N s")
    when the window's limit is used up. Returns the messages used in this window."""
    moment = time.time() if now is None else now
    window = int(moment // WINDOW_S)
    used = get_cache().incr(rate_limit_key(organization_id, window), 1, ttl_seconds=WINDOW_S + 5)
    if used > get_settings().coach_messages_per_minute:
        raise CoachRateLimited(WINDOW_S - int(moment % WINDOW_S))
    return used
