"""Validated inputs of the assessment services.

Every service accepts the model or a plain mapping (what a Reflex handler receives) and
validates it with ``parse``, which turns pydantic's errors into one ValidationFailed naming
the field and saying what to fix. Nothing is written before the input is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from ninevectors.models.assessment import (
    ALL_VECTORS,
    AssessmentStatus,
    AssessmentType,
    RespondentType,
)
from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity.schemas import validation_failed

NAME_MAX = 200
DESCRIPTION_MAX = 2000
NOTES_MAX = 2000
EVIDENCE_ITEMS_MAX = 20
EVIDENCE_ITEM_MAX = 500
ID_MAX = 100

_RANGE_FIELDS = {"rating": "Rating", "confidence": "Confidence"}


def _describe(error: ValidationError) -> ValidationFailed:
    first = error.errors()[0]
    location = first.get("loc") or ("input",)
    name = str(location[0])
    kind = first.get("type", "")
    raised = (first.get("ctx") or {}).get("error")
    if isinstance(raised, ValidationFailed):  # a model validator's own, already clear, message
        return ValidationFailed(raised.field, raised.message)
    if name in _RANGE_FIELDS and kind in ("greater_than_equal", "less_than_equal", "int_type"):
        return ValidationFailed(name, f"{_RANGE_FIELDS[name]} must be a whole number from 1 to 5.")
    if name == "evidence" and kind == "too_long":
        return ValidationFailed(name, f"At most {EVIDENCE_ITEMS_MAX} evidence references.")
    if name == "evidence" and kind == "string_too_long":
        return ValidationFailed(
            name, f"Each evidence reference must be at most {EVIDENCE_ITEM_MAX} characters."
        )
    if kind == "extra_forbidden":
        return ValidationFailed(name, f"{name!r} cannot be changed here.")
    return validation_failed(error)


class AssessmentInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    @classmethod
    def parse(cls, data: Self | Mapping[str, Any] | Any) -> Self:
        """``data`` validated into this model; ValidationFailed with a clear message otherwise."""
        if isinstance(data, cls):
            return data
        if isinstance(data, BaseModel):
            data = data.model_dump(exclude_unset=True)
        if not isinstance(data, Mapping):
            raise ValidationFailed("input", "The form data is missing or malformed.")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise _describe(error) from None


def parse_due_date(value: object) -> date | None:
    """A due date from a date, a datetime or an ISO string ("2026-04-30" or a timestamp)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 40:
        text = value.strip().replace("Z", "+00:00")
        for parse in (date.fromisoformat, lambda t: datetime.fromisoformat(t).date()):
            try:
                return parse(text)
            except ValueError:
                continue
    raise ValueError("use a date like 2026-04-30")


def _vectors(value: object) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("choose at least one of the nine vectors")
    if any(isinstance(v, bool) or not isinstance(v, int) or v not in ALL_VECTORS for v in value):
        raise ValueError("vectors are numbered 1 to 9")
    return sorted(set(value))


class AssessmentCreate(AssessmentInput):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    due_date: date | None = None
    type: AssessmentType = "multi-participant"
    required_vectors: list[int] = Field(default_factory=lambda: list(ALL_VECTORS))
    anonymous_responses: StrictBool = False
    enable_ai_coaching: StrictBool = True
    enable_benchmarking: StrictBool = False
    subject_user_id: str | None = Field(default=None, max_length=ID_MAX)
    owner_respondent_type: RespondentType | None = None

    _due = field_validator("due_date", mode="before")(parse_due_date)
    _required = field_validator("required_vectors", mode="before")(_vectors)

    @model_validator(mode="after")
    def _subject_for_360(self) -> Self:
        if self.type == "360-review" and not self.subject_user_id:
            raise ValidationFailed("subject_user_id", "Choose the person this 360-review is about.")
        return self


class AssessmentUpdate(AssessmentInput):
    """Only the fields given change. Anonymity and required vectors only while a draft."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    due_date: date | None = None
    required_vectors: list[int] | None = None
    anonymous_responses: StrictBool | None = None
    enable_ai_coaching: StrictBool | None = None
    enable_benchmarking: StrictBool | None = None

    _due = field_validator("due_date", mode="before")(parse_due_date)

    @field_validator("required_vectors", mode="before")
    @classmethod
    def _required(cls, value: object) -> list[int] | None:
        return None if value is None else _vectors(value)


class NextRoundInput(AssessmentInput):
    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    due_date: date | None = None

    _due = field_validator("due_date", mode="before")(parse_due_date)


class AssessmentListQuery(AssessmentInput):
    status: AssessmentStatus | None = None
    type: AssessmentType | None = None
    search: str | None = Field(default=None, max_length=NAME_MAX)
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=100)


class ParticipantInput(AssessmentInput):
    user_id: str | None = Field(default=None, min_length=1, max_length=ID_MAX)
    email: EmailStr | None = Field(default=None, max_length=254)
    respondent_type: RespondentType | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lower() if value else value

    @model_validator(mode="after")
    def _one_person(self) -> Self:
        if bool(self.user_id) == bool(self.email):
            raise ValidationFailed("user_id", "Choose a colleague or enter an e-mail address.")
        return self


Evidence = Annotated[str, Field(max_length=EVIDENCE_ITEM_MAX)]


class AnswerChanges(AssessmentInput):
    """A partial answer: only the fields given change. ``not_sure`` True clears the rating;
    a rating clears ``not_sure``."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)

    rating: StrictInt | None = Field(default=None, ge=1, le=5)
    not_sure: StrictBool | None = None
    confidence: StrictInt | None = Field(default=None, ge=1, le=5)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    evidence: list[Evidence] | None = Field(default=None, max_length=EVIDENCE_ITEMS_MAX)

    @model_validator(mode="after")
    def _rating_or_not_sure(self) -> Self:
        if self.not_sure and self.rating is not None:
            raise ValidationFailed(
                "rating", "An answer is either a rating or 'not sure', not both."
            )
        return self

    def stored_fields(self) -> dict[str, Any]:
        """The camelCase answer fields to set (only those given, with their implications)."""
        given = self.model_fields_set
        out: dict[str, Any] = {}
        if "rating" in given:
            out["rating"] = self.rating
            if self.rating is not None:
                out["notSure"] = False
        if "not_sure" in given:
            out["notSure"] = bool(self.not_sure)
            if self.not_sure:
                out["rating"] = None
        if "confidence" in given:
            out["confidence"] = self.confidence
        if "notes" in given:
            out["notes"] = self.notes or ""
        if "evidence" in given:
            out["evidence"] = [item for item in (self.evidence or []) if item]
        return out
