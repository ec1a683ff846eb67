"""Cache key names and TTLs from the reference architecture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ninevectors.services.cache import keys


def test_key_names() -> None:
    assert keys.session("abc") == "session:abc"
    assert keys.assessment_draft("user_1", "as_2") == "temp:assessment:draft:user_1:as_2"
    assert keys.presence("as_2") == "collab:assessment:as_2:active_users"


def test_rate_limit_window_is_the_utc_hour() -> None:
    at = datetime(2025, 1, 16, 14, 59, 59, tzinfo=UTC)
    assert keys.rate_limit("org_abc123", at) == "ratelimit:api:org_abc123:2025-01-16:14"
    paris = datetime(2025, 1, 16, 15, 30, tzinfo=timezone(timedelta(hours=1)))
    assert keys.rate_limit("org_abc123", paris) == "ratelimit:api:org_abc123:2025-01-16:14"
    assert keys.rate_limit("o").startswith("ratelimit:api:o:")


def test_ttls() -> None:
    assert keys.SESSION_TTL == 3600
    assert keys.RATE_LIMIT_TTL == 3600
    assert keys.DRAFT_TTL == 86400
    assert keys.PRESENCE_TTL == 300
    assert keys.USER_PROFILE_TTL == 900
    assert keys.ASSESSMENT_DATA_TTL == 300
    assert keys.STATIC_DATA_TTL == 3600
