"""Coaching sessions: start, list, read, send a message and stream the coach's reply.

Sessions live in the ``coaching_sessions`` container (partition = organization) in the
reference's shape and belong to one person: nobody else, not even an admin, reads them.
``generate_reply`` streams the reply and, when it ends (or is stopped), saves it with the
tokens used and records them as ``ai-tokens`` usage for billing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from ninevectors.framework import get_framework
from ninevectors.models.coach import CoachCitation, CoachMessage, CoachSessionItem
from ninevectors.models.principal import Principal
from ninevectors.services import audit, metering
from ninevectors.services.backends import get_store
from ninevectors.services.billing import entitlements
from ninevectors.services.coach.backends import ChatMessage, CoachBackend, Usage, get_backend
from ninevectors.services.coach.context import (
    CoachContext,
    Passage,
    build_context,
    find_passages,
    system_prompt,
    vector_name,
)
from ninevectors.services.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import _common as identity_common
from ninevectors.services.identity import clock
from ninevectors.services.store.base import Filter, PreconditionFailed, Query

SESSIONS = "coaching_sessions"
MESSAGE_MAX_CHARS = 4000
WRITE_ATTEMPTS = 8
LIST_LIMIT = 50
MAX_ACTIONS = 10
NOT_FOUND = "Coaching session not found."
_ACTION_LINE = re.compile(r"^\s*\d+\.\s+(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class SessionSummary:
    id: str
    title: str
    started_at: str
    last_message_at: str
    total_messages: int
    vector: int | None
    assessment_id: str | None


def _now() -> str:
    return clock.iso(clock.utcnow())


def _seconds_between(start: str, end: str) -> int:
    return max(0, int((clock.parse_iso(end) - clock.parse_iso(start)).total_seconds()))


def _opening(context: CoachContext, vector: int | None) -> str:
    theme = context.theme(context.focus_theme)
    if theme is not None:
        note = f' You noted: "{theme.notes}".' if theme.notes else ""
        return (
            f"Let's look at the theme **{theme.name}** ({theme.vector_name} / "
            f"{theme.sub_lens_name}): you rated it {theme.rating} out of 5.{note} "
            "What is behind that rating?"
        )
    focus = context.vector(vector)
    if focus is not None and focus.score is not None:
        return (
            f"Let's look at **{focus.name}**: you scored it {focus.score:.1f} out of 5 in "
            f"*{context.assessment_name}*. What would you like to explore first?"
        )
    if context.submitted:
        return (
            f"I have your results of *{context.assessment_name}* in front of me. "
            "Ask me about any vector, or where to start."
        )
    return "Hello! I am your 9 Vectors coach. What would you like to talk about?"


def _issues(context: CoachContext, vector: int | None) -> list[str]:
    themes = [t for t in context.lowest_themes if vector is None or t.vector_id == vector]
    return [re.sub(r"[^a-z0-9]+", "-", t.name.casefold()).strip("-") for t in themes[:5]]


TOKENS_USED_UP = (
    "Your organization has used this month's {limit:,.0f} AI coaching tokens; the coach is "
    "back next month, or sooner on a bigger plan."
)


def _require_coaching(principal: Principal, field: str = "message") -> None:
    """The organization's plan has the coach and this month's AI tokens are not used up."""
    standing = entitlements.standing_of(principal.organization_id)
    entitlements.require_feature(standing, "ai-coaching", field)
    period = metering.billing_period_of(clock.utcnow())
    used = metering.usage_for_period(principal, period).get("ai-tokens", 0.0)
    entitlements.require_room(standing, "ai-tokens", used, field=field, message=TOKENS_USED_UP)


def start_session(
    principal: Principal,
    assessment_id: str | None = None,
    vector: object = None,
    theme: object = None,
) -> CoachSessionItem:
    """A new session of the principal, about an assessment (and a vector or a theme of it)
    when given. NotFoundError when the assessment is not theirs to see; Forbidden when its
    coaching is off; ValidationFailed for an unknown vector or theme or a plan without it."""
    _require_coaching(principal, "assessment")
    context = build_context(principal, assessment_id or None, vector, theme)
    focus = context.focus_vector
    if assessment_id:
        from ninevectors.services import assessments

        assessment = assessments.get_assessment(principal, str(assessment_id))
        if not assessment.configuration.enable_ai_coaching:
            raise Forbidden("AI coaching is turned off for this assessment.")
    now = _now()
    backend = get_backend()
    topic = get_framework().theme(context.focus_theme).name if context.focus_theme else ""
    title = " · ".join(p for p in (topic or vector_name(focus), context.assessment_name) if p)
    session = CoachSessionItem(
        id=identity_common.new_id("coaching"),
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        assessment_id=context.assessment_id,
        vector=focus,
        theme=context.focus_theme,
        title=title or "General coaching",
        started_at=now,
        ended_at=now,
        conversation=[
            CoachMessage(role="assistant", content=_opening(context, focus), timestamp=now)
        ],
        partition_key=principal.organization_id,
    )
    session.insights.identified_issues = _issues(context, focus)
    session.metadata.model = backend.model
    session.metadata.offline = backend.offline
    session.metadata.total_messages = 1
    stored = get_store().create(SESSIONS, session.to_item())
    details = {"vector": focus, "theme": session.theme}
    audit.record(
        "coach.session.started", "coaching-session", principal=principal,
        resource_id=session.id, details=details,
    )  # fmt: skip
    return CoachSessionItem.model_validate(stored)


def get_session(principal: Principal, session_id: str) -> CoachSessionItem:
    """One of the principal's own sessions; NotFoundError for anyone else's."""
    item = identity_common.get_item(SESSIONS, principal.organization_id, session_id, "Session")
    if item.get("type") != "coaching-session" or item.get("userId") != principal.user_id:
        raise NotFoundError(NOT_FOUND)
    return CoachSessionItem.model_validate(item)


def list_sessions(principal: Principal, limit: int = LIST_LIMIT) -> list[SessionSummary]:
    """The principal's own sessions, most recent first."""
    filters = (Filter("type", "=", "coaching-session"), Filter("userId", "=", principal.user_id))
    page = get_store().query(
        SESSIONS,
        principal.organization_id,
        Query(
            filters=filters, order_by="startedAt", descending=True, limit=max(1, min(limit, 100))
        ),
    )
    return [
        SessionSummary(
            id=item["id"],
            title=str(item.get("title") or "Coaching session"),
            started_at=str(item.get("startedAt") or ""),
            last_message_at=str(item.get("endedAt") or item.get("startedAt") or ""),
            total_messages=int((item.get("metadata") or {}).get("totalMessages") or 0),
            vector=item.get("vector"),
            assessment_id=item.get("assessmentId"),
        )
        for item in page.items
        if item.get("userId") == principal.user_id
    ]


def _update(
    principal: Principal, session_id: str, change: Callable[[CoachSessionItem], None]
) -> CoachSessionItem:
    for _attempt in range(WRITE_ATTEMPTS):
        session = get_session(principal, session_id)
        change(session)
        try:
            stored = get_store().replace(SESSIONS, session.to_item(), etag=session.etag)
        except PreconditionFailed:
            continue
        return CoachSessionItem.model_validate(stored)
    raise ConflictError("The session is changing too fast; try again.")


def _touch(session: CoachSessionItem, now: str) -> None:
    session.ended_at = now
    session.metadata.total_messages = len(session.conversation)
    session.metadata.duration = _seconds_between(session.started_at, now)


def check_message(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed("message", "Write a message first.")
    cleaned = text.strip()
    if len(cleaned) > MESSAGE_MAX_CHARS:
        raise ValidationFailed("message", f"Keep a message under {MESSAGE_MAX_CHARS} characters.")
    return cleaned


def add_message(principal: Principal, session_id: str, text: object) -> CoachSessionItem:
    """Append the person's message to their session (validated: 1–4000 characters), while
    the plan has the coach and tokens left."""
    cleaned = check_message(text)
    _require_coaching(principal)
    now = _now()

    def change(session: CoachSessionItem) -> None:
        session.conversation.append(CoachMessage(role="user", content=cleaned, timestamp=now))
        _touch(session, now)

    return _update(principal, session_id, change)


def model_messages(session: CoachSessionItem) -> list[ChatMessage]:
    """The conversation as Messages API turns: starting with the person, roles alternating
    (consecutive turns of one role merged), failed replies left out."""
    turns: list[ChatMessage] = []
    for message in session.conversation:
        if message.failed or (not turns and message.role == "assistant"):
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["content"] += "\n\n" + message.content
        else:
            turns.append({"role": message.role, "content": message.content})
    return turns


def _actions(reply: str) -> list[str]:
    return [line.strip()[:200] for line in _ACTION_LINE.findall(reply)]


def _estimate(system: str, messages: list[ChatMessage], reply: str) -> Usage:
    """Tokens of a stopped reply (the service's count never arrived): ~4 characters a token."""
    prompt = len(system) + sum(len(m["content"]) for m in messages)
    return Usage(prompt // 4, len(reply) // 4)


def _citations(reply: str, passages: tuple[Passage, ...]) -> list[CoachCitation]:
    return [
        CoachCitation(
            number=p.number, document_id=p.document_id, name=p.name, page=p.page, href=p.href
        )  # fmt: skip
        for p in passages
        if f"[{p.number}]" in reply
    ]


def _save_reply(
    principal: Principal,
    session_id: str,
    reply: str,
    usage: Usage,
    backend: CoachBackend,
    passages: tuple[Passage, ...] = (),
) -> None:
    now = _now()
    cited = _citations(reply, passages)

    def change(session: CoachSessionItem) -> None:
        session.conversation.append(
            CoachMessage(role="assistant", content=reply, timestamp=now, citations=cited)
        )
        known = session.insights.resources_provided
        known += [c.href for c in cited if c.href not in known]
        _touch(session, now)
        session.metadata.model = backend.model
        session.metadata.offline = backend.offline
        session.metadata.tokens_used += usage.total
        actions = [a for a in _actions(reply) if a not in session.insights.suggested_actions]
        session.insights.suggested_actions = [*session.insights.suggested_actions, *actions][
            -MAX_ACTIONS:
        ]

    _update(principal, session_id, change)
    if usage.total > 0:
        metering.record_usage(principal.organization_id, "ai-tokens", usage.total)


def generate_reply(
    principal: Principal, session_id: str, backend: CoachBackend | None = None
) -> Iterator[str]:
    """Stream the coach's reply to the last message of the person's session.

    Counts against the organization's rate limit (CoachRateLimited says when to try again);
    the outside service's failures raise CoachUnavailable and save nothing, so the same turn
    can be retried. Closing the generator early (stop) saves the reply so far.
    """
    from ninevectors.services.coach.ratelimit import take_coach_message

    session = get_session(principal, session_id)
    messages = model_messages(session)
    if not messages or messages[-1]["role"] != "user" or session.conversation[-1].role != "user":
        raise ValidationFailed("message", "Send a message first.")
    take_coach_message(principal.organization_id)
    context = build_context(principal, session.assessment_id, session.vector, session.theme)
    context = replace(context, passages=find_passages(principal, messages[-1]["content"]))
    system = (
        system_prompt(context)
        + "\n\nYou opened the session with: "
        + (session.conversation[0].content if session.conversation else "")
    )
    chosen = backend or get_backend()
    parts: list[str] = []
    usage: Usage | None = None
    stream = chosen.stream_reply(messages, system, context=context)
    try:
        for piece in stream:
            if isinstance(piece, Usage):
                usage = piece
            else:
                parts.append(piece)
                yield piece
    except GeneratorExit:
        reply = "".join(parts)
        if reply.strip():
            spent = Usage() if chosen.offline else _estimate(system, messages, reply)
            stopped = reply + " _(stopped)_"
            _save_reply(principal, session_id, stopped, spent, chosen, context.passages)
        raise
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # ends the HTTP stream of a stopped reply
    _save_reply(principal, session_id, "".join(parts), usage or Usage(), chosen, context.passages)
