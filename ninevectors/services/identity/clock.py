"""The identity services' clock, one function so tests can move time (lockout, expiry)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Call it as ``clock.utcnow()`` so tests can patch it."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """``value`` as aware UTC (a naive value is taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """The reference's timestamp shape: ``2025-01-15T10:00:00Z``."""
    return aware(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
