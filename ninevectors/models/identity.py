"""Organization, user and invitation items of the document store, in the reference's
camelCase JSON shape (``model_dump(by_alias=True)`` gives the stored item; Python code uses
the snake_case attribute names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Plan = Literal["starter", "professional", "enterprise"]
UserStatus = Literal["active", "inactive"]
InvitationStatus = Literal["pending", "accepted", "revoked"]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_item(self) -> dict[str, Any]:
        """The JSON item to store (camelCase keys; the store sets ``_etag`` itself)."""
        return self.model_dump(by_alias=True, mode="json", exclude={"etag"})


class BrandColors(CamelModel):
    primary: str = "#10b981"


class Branding(CamelModel):
    logo: str | None = None
    colors: BrandColors = Field(default_factory=BrandColors)


MfaPolicy = Literal["off", "admins", "everyone"]


class SecuritySettings(CamelModel):
    # Who must use a second factor (TOTP) to sign in: nobody, administrators, or everyone.
    mfa_required: MfaPolicy = "off"


class OrganizationSettings(CamelModel):
    max_users: int
    max_assessments: int
    features: list[str] = Field(default_factory=list)
    branding: Branding = Field(default_factory=Branding)
    security: SecuritySettings = Field(default_factory=SecuritySettings)


class OrganizationItem(CamelModel):
    id: str
    type: Literal["organization"] = "organization"
    name: str
    domain: str | None = None
    plan: Plan = "starter"
    status: str = "active"
    industry: str | None = None
    size: str | None = None
    created_at: str
    updated_at: str | None = None
    settings: OrganizationSettings
    subscription: dict[str, Any] | None = None
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")


class UserAuth(CamelModel):
    provider: str = "email"
    user_id: str | None = None
    last_login: str | None = None


class UserProfile(CamelModel):
    title: str | None = None
    department: str | None = None
    phone: str | None = None
    avatar: str | None = None


class UserPermissions(CamelModel):
    can_create_assessments: bool = False
    can_view_all_assessments: bool = False
    can_export_data: bool = False
    can_manage_users: bool = False


class NotificationPreferences(CamelModel):
    email: bool = True
    in_app: bool = True


class UserPreferences(CamelModel):
    language: str = "en"
    timezone: str = "UTC"
    notifications: NotificationPreferences = Field(default_factory=NotificationPreferences)


class UserItem(CamelModel):
    id: str
    type: Literal["user"] = "user"
    organization_id: str
    email: str
    first_name: str
    last_name: str
    role: str
    status: UserStatus = "active"
    auth: UserAuth = Field(default_factory=UserAuth)
    profile: UserProfile = Field(default_factory=UserProfile)
    permissions: UserPermissions = Field(default_factory=UserPermissions)
    preferences: UserPreferences = Field(default_factory=UserPreferences)
    created_at: str
    updated_at: str | None = None
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class InvitationItem(CamelModel):
    id: str
    type: Literal["invitation"] = "invitation"
    organization_id: str
    email: str
    role: str
    status: InvitationStatus = "pending"
    invited_by: str
    created_at: str
    expires_at: str
    accepted_at: str | None = None
    accepted_user_id: str | None = None
    revoked_at: str | None = None
    token_hash: str
    partition_key: str
    etag: str | None = Field(default=None, alias="_etag")
