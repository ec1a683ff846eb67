"""The AI coach: backends (Claude, offline), the grounding context, sessions, insights and the
per-organization rate limit. The UI calls the functions re-exported here."""

from __future__ import annotations

from ninevectors.services.coach.backends import (
    ClaudeBackend,
    CoachBackend,
    CoachRateLimited,
    CoachUnavailable,
    Usage,
    get_backend,
    map_error,
)
from ninevectors.services.coach.context import CoachContext, build_context, system_prompt
from ninevectors.services.coach.insights import insights_for_response
from ninevectors.services.coach.offline import OfflineCoach, compose_reply
from ninevectors.services.coach.ratelimit import take_coach_message
from ninevectors.services.coach.sessions import (
    SessionSummary,
    add_message,
    generate_reply,
    get_session,
    list_sessions,
    start_session,
)

__all__ = [
    "ClaudeBackend",
    "CoachBackend",
    "CoachContext",
    "CoachRateLimited",
    "CoachUnavailable",
    "OfflineCoach",
    "SessionSummary",
    "Usage",
    "add_message",
    "build_context",
    "compose_reply",
    "generate_reply",
    "get_backend",
    "get_session",
    "insights_for_response",
    "list_sessions",
    "map_error",
    "start_session",
    "system_prompt",
    "take_coach_message",
]
