"""Validated inputs of the identity services.

Every service accepts either the model or a plain mapping (what a Reflex handler receives)
and validates it with :meth:`InputModel.parse`, which turns pydantic's errors into one
:class:`ValidationFailed` naming the field and saying what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator

from ninevectors.models.identity import MfaPolicy
from ninevectors.services.errors import ValidationFailed

NAME_MAX = 100
EMAIL_MAX = 254
PASSWORD_MAX = 128
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")

Plan = Literal["starter", "professional", "enterprise"]
OrganizationSize = Literal["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"]

_LABELS = {
    "organization_name": "Organization name",
    "email": "E-mail",
    "password": "Password",
    "new_password": "New password",
    "current_password": "Current password",
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Name",
    "domain": "Domain",
    "industry": "Industry",
    "size": "Organization size",
    "plan": "Plan",
    "primary_color": "Brand colour",
    "title": "Title",
    "department": "Department",
    "phone": "Phone",
    "language": "Language",
    "timezone": "Time zone",
    "role": "Role",
    "status": "Status",
    "search": "Search",
    "page": "Page",
    "page_size": "Page size",
    "mfa_required": "Two-step sign-in requirement",
    "code": "Code",
}


def _message(field: str, error: Any) -> str:
    label = _LABELS.get(field, field.replace("_", " ").capitalize())
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"{label} must be at most {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{label} is required."
        return f"{label} must be at least {ctx.get('min_length')} characters."
    if kind == "missing":
        return f"{label} is required."
    if kind == "literal_error":
        return f"{label} must be one of {ctx.get('expected')}."
    if field == "email":
        return "Enter a valid e-mail address."
    if kind == "string_pattern_mismatch" and field == "primary_color":
        return f"{label} must look like #10b981."
    if kind == "value_error":
        return f"{label} is not valid ({ctx.get('error')})."
    if kind in ("string_type", "int_type", "int_parsing", "bool_type", "bool_parsing"):
        return f"{label} has the wrong type."
    return f"{label}: {error.get('msg', 'invalid value')}."


def validation_failed(error: ValidationError) -> ValidationFailed:
    """The first problem of a pydantic ValidationError, as a ValidationFailed."""
    first = error.errors()[0]
    location = first.get("loc") or ("input",)
    field = str(location[0])
    return ValidationFailed(field, _message(field, first))


class InputModel(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    @classmethod
    def parse(cls, data: Self | Mapping[str, Any] | Any) -> Self:
        """``data`` validated into this model; ValidationFailed with a clear message otherwise."""
        if isinstance(data, cls):
            return data
        if isinstance(data, BaseModel):
            data = data.model_dump()
        if not isinstance(data, Mapping):
            raise ValidationFailed("input", "The form data is missing or malformed.")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise validation_failed(error) from None


def _lower(value: str) -> str:
    return value.strip().lower()


class SignUpInput(InputModel):
    organization_name: str = Field(min_length=1, max_length=NAME_MAX)
    email: EmailStr = Field(max_length=EMAIL_MAX)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    first_name: str = Field(min_length=1, max_length=NAME_MAX)
    last_name: str = Field(min_length=1, max_length=NAME_MAX)
    domain: str | None = Field(default=None, max_length=NAME_MAX)
    industry: str | None = Field(default=None, max_length=NAME_MAX)
    size: OrganizationSize | None = None
    plan: Plan = "starter"

    _normalise_email = field_validator("email")(_lower)


class LoginInput(InputModel):
    email: EmailStr = Field(max_length=EMAIL_MAX)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)

    _normalise_email = field_validator("email")(_lower)


class EmailInput(InputModel):
    email: EmailStr = Field(max_length=EMAIL_MAX)

    _normalise_email = field_validator("email")(_lower)


class InviteInput(InputModel):
    email: EmailStr = Field(max_length=EMAIL_MAX)
    role: str = Field(min_length=1, max_length=20)

    _normalise_email = field_validator("email")(_lower)


class AcceptInvitationInput(InputModel):
    first_name: str = Field(min_length=1, max_length=NAME_MAX)
    last_name: str = Field(min_length=1, max_length=NAME_MAX)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class ResetPasswordInput(InputModel):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class ChangePasswordInput(InputModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class OrganizationUpdate(InputModel):
    """Only the fields given are changed."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    primary_color: str | None = Field(default=None, pattern=COLOR_PATTERN.pattern)
    industry: str | None = Field(default=None, max_length=NAME_MAX)
    size: OrganizationSize | None = None
    mfa_required: MfaPolicy | None = None


class ProfileUpdate(InputModel):
    """Only the fields given are changed."""

    first_name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    last_name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    title: str | None = Field(default=None, max_length=NAME_MAX)
    department: str | None = Field(default=None, max_length=NAME_MAX)
    phone: str | None = Field(default=None, max_length=40)


class PreferencesUpdate(InputModel):
    """Only the fields given are changed."""

    language: str | None = Field(default=None, min_length=2, max_length=10)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    notifications_email: bool | None = None
    notifications_in_app: bool | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
        return value


class UserListQuery(InputModel):
    role: str | None = Field(default=None, max_length=20)
    status: Literal["active", "inactive"] | None = None
    search: str | None = Field(default=None, max_length=NAME_MAX)
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=25, ge=1, le=200)
