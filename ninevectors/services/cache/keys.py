"""Cache key names and time-to-live values from the reference architecture.

Every key the product stores in the cache is built here, so the naming stays in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime

SESSION_TTL = 3600  # sliding: reset on every authenticated request
RATE_LIMIT_TTL = 3600  # one hourly window
DRAFT_TTL = 86400  # unsaved assessment drafts live for a day
PRESENCE_TTL = 300  # who is looking at an assessment right now
USER_PROFILE_TTL = 900
ASSESSMENT_DATA_TTL = 300
STATIC_DATA_TTL = 3600
REPORT_JOB_TTL = 3600  # a queued PDF report and its outcome


def session(session_id: str) -> str:
    return f"session:{session_id}"


def rate_limit(org_id: str, at: datetime | None = None) -> str:
    """The hourly API rate-limit counter of an organisation (UTC window)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return f"ratelimit:api:{org_id}:{moment:%Y-%m-%d}:{moment:%H}"


def assessment_draft(user_id: str, assessment_id: str) -> str:
    return f"temp:assessment:draft:{user_id}:{assessment_id}"


def presence(assessment_id: str) -> str:
    return f"collab:assessment:{assessment_id}:active_users"


def user_profile(user_id: str) -> str:
    return f"user:profile:{user_id}"


def assessment_data(assessment_id: str) -> str:
    return f"assessment:data:{assessment_id}"


def static_data(name: str) -> str:
    return f"static:{name}"


def report_job(org_id: str, job_id: str) -> str:
    """A PDF report job; under its organization, so another one's id finds nothing."""
    return f"report:job:{org_id}:{job_id}"
