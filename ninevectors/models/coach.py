"""Coaching-session items of the document store (container ``coaching_sessions``), in the
reference's camelCase JSON shape, and the ``aiInsights`` block of a submitted response."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ninevectors.models.identity import CamelModel

MessageRole = Literal["user", "assistant"]


class CoachCitation(CamelModel):
    """A passage of the organization's documents that a reply cites as ``[number]``."""

    number: int
    document_id: str
    name: str
    page: int | None = None
    href: str


class CoachMessage(CamelModel):
    role: MessageRole
    content: str
    timestamp: str
    failed: bool = False  # an assistant turn that ended in an error (kept for the record)
    citations: list[CoachCitation] = Field(default_factory=list)


class CoachInsights(CamelModel):
    identified_issues: list[str] = Field(default_factory=list)
    suggested_actions: list[str] = Field(default_factory=list)
    resources_provided: list[str] = Field(default_factory=list)


class CoachMetadata(CamelModel):
    total_messages: int = 0
    duration: int = 0  # seconds from the start to the last message
    model: str = ""
    tokens_used: int = 0
    offline: bool = False


class CoachSessionItem(CamelModel):
    id: str
    type: Literal["coaching-session"] = "coaching-session"
    organization_id: str
    user_id: str
    assessment_id: str | None = None
    vector: int | None = None
    theme: str | None = None  # a theme id ("3.1.1") when the session is about one theme
    title: str = ""
    started_at: str
    ended_at: str | None = None
    conversation: list[CoachMessage] = Field(default_factory=list)
    insights: CoachInsights = Field(default_factory=CoachInsights)
    metadata: CoachMetadata = Field(default_factory=CoachMetadata)
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")


class CoachingTrigger(CamelModel):
    vector: int
    reason: Literal["low-score", "self-vs-others-gap"]
    score: float | None = None
    group_score: float | None = None  # the others' mean (self-vs-others gaps)
    suggestions: list[str] = Field(default_factory=list)


class AiInsights(CamelModel):
    """The reference's ``aiInsights`` block of a submitted response."""

    coaching_triggers: list[CoachingTrigger] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
