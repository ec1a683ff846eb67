"""Assessment and assessment-response items of the document store, in the reference's camelCase
JSON shape (``to_item()`` gives the stored item; Python code uses the snake_case names).

The reference gives an assessment two ``type`` keys (the item kind and single/multi/360); here
the item kind stays ``type`` and the assessment's kind is ``assessmentType``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ninevectors.models.identity import CamelModel

AssessmentType = Literal["single", "multi-participant", "360-review"]
AssessmentStatus = Literal["draft", "in-progress", "completed", "archived"]
ParticipantRole = Literal["owner", "participant"]
ParticipantStatus = Literal["invited", "in-progress", "completed"]
RespondentType = Literal["self", "peer", "manager", "direct-report"]
ResponseStatus = Literal["draft", "submitted"]

ALL_VECTORS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9)


class Participant(CamelModel):
    """One person taking part. ``user_id`` is None while an e-mailed invitee has no account yet
    (then ``email`` says who); the participant ``key`` stays the same either way."""

    key: str
    user_id: str | None = None
    email: str | None = None
    role: ParticipantRole = "participant"
    respondent_type: RespondentType | None = None
    status: ParticipantStatus = "invited"
    invited_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None


class AssessmentConfiguration(CamelModel):
    enable_ai_coaching: bool = Field(default=True, alias="enableAICoaching")
    enable_benchmarking: bool = False
    anonymous_responses: bool = False
    required_vectors: list[int] = Field(default_factory=lambda: list(ALL_VECTORS))


class AssessmentAnalytics(CamelModel):
    completion_rate: float = 0.0  # percent of participants who submitted
    avg_time_to_complete: int | None = None  # seconds, mean over submitted responses
    total_responses: int = 0  # submitted responses
    total_time_spent: int = 0  # seconds, summed over submitted responses (for the mean)
    last_updated: str | None = None


class AssessmentItem(CamelModel):
    id: str
    type: Literal["assessment"] = "assessment"
    organization_id: str
    name: str
    description: str = ""
    status: AssessmentStatus = "draft"
    assessment_type: AssessmentType = "multi-participant"
    created_by: str
    created_at: str
    updated_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    archived_at: str | None = None
    due_date: str | None = None  # end of the due day, UTC: "2025-01-31T23:59:59Z"
    subject_user_id: str | None = None  # whom a 360-review is about
    parent_assessment_id: str | None = None
    round: int = 1
    participants: list[Participant] = Field(default_factory=list)
    pending_emails: list[str] = Field(default_factory=list)  # invitees without an account
    shared_with: list[str] = Field(default_factory=list)  # user ids who see the aggregates
    configuration: AssessmentConfiguration = Field(default_factory=AssessmentConfiguration)
    analytics: AssessmentAnalytics = Field(default_factory=AssessmentAnalytics)
    reminders_sent: dict[str, str] = Field(default_factory=dict)  # "<days>:<key>" -> sent at
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")

    def participant_of(self, user_id: str) -> Participant | None:
        return next((p for p in self.participants if p.user_id == user_id), None)


class Answer(CamelModel):
    """One theme's answer. ``not_sure`` means "not sure / not applicable": it completes the
    theme for submission but, like an unanswered theme, does not count in scores."""

    rating: int | None = None
    not_sure: bool = False
    confidence: int | None = None
    notes: str = ""
    evidence: list[str] = Field(default_factory=list)
    updated_at: str | None = None


class ThemeResult(CamelModel):
    theme_id: str
    theme_name: str
    rating: int | None = None
    not_sure: bool = False
    confidence: int | None = None
    notes: str = ""
    evidence: list[str] = Field(default_factory=list)


class SubLensResult(CamelModel):
    sub_lens_id: str
    sub_lens_name: str
    score: float | None = None
    themes: list[ThemeResult] = Field(default_factory=list)


class VectorResult(CamelModel):
    vector_id: int
    vector_name: str
    sub_lenses: list[SubLensResult] = Field(default_factory=list)
    overall_score: float | None = None
    mean_confidence: float | None = None
    vector_notes: str = ""


class ResponseScores(CamelModel):
    """The reference's ``responses`` block of a submitted response."""

    vectors: list[VectorResult] = Field(default_factory=list)
    overall_score: float | None = None
    strength_areas: list[int] = Field(default_factory=list)
    improvement_areas: list[int] = Field(default_factory=list)


class ResponseItem(CamelModel):
    """One participant's response. When the assessment is anonymous ``user_id`` is None and
    the id is an HMAC of (assessment id, user id), so only its author can find it."""

    id: str
    type: Literal["assessment-response"] = "assessment-response"
    assessment_id: str
    organization_id: str
    user_id: str | None = None
    respondent_type: RespondentType | None = None
    status: ResponseStatus = "draft"
    created_at: str
    updated_at: str | None = None
    completed_at: str | None = None
    time_spent: int = 0  # seconds
    required_vectors: list[int] = Field(default_factory=lambda: list(ALL_VECTORS))
    answers: dict[str, Answer] = Field(default_factory=dict)  # theme id -> answer
    current_sub_lens_id: str | None = None
    responses: ResponseScores | None = None
    ai_insights: dict[str, Any] | None = None  # coaching triggers, patterns, recommendations
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")
