"""Admin: the organization's name, industry, size, brand colour and who must use two-step
sign-in."""

from __future__ import annotations

import reflex as rx

from ninevectors.models.identity import OrganizationItem
from ninevectors.models.principal import Principal
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import organizations, roles
from ninevectors.state.inputs import MALFORMED_FORM, form_fields
from ninevectors.state.session import DEFAULT_BRAND_COLOR, SessionState, friendly_error

ADMINS_ONLY = "Only administrators can change the organization's settings."


class AdminOrganizationState(SessionState):
    name: str = ""
    industry: str = ""
    size: str = ""
    color: str = DEFAULT_BRAND_COLOR
    plan: str = ""
    mfa_required: str = "off"
    message: str = ""
    error: str = ""

    def _show(self, organization: OrganizationItem) -> None:
        self.name = organization.name
        self.industry = organization.industry or ""
        self.size = organization.size or ""
        self.color = organization.settings.branding.colors.primary or DEFAULT_BRAND_COLOR
        self.plan = organization.plan
        self.mfa_required = organization.settings.security.mfa_required

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal):
            return outcome
        self.message = self.error = ""
        if not self.allowed:
            return None  # the page says "not allowed"
        try:
            organization = await run_blocking(organizations.get_organization, outcome)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        self._show(organization)
        return None

    @rx.event
    async def save(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = await self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal):
            return outcome
        if not self.allowed:
            self.error, self.message = ADMINS_ONLY, ""
            return None
        data = form_fields(form_data)
        if data is None:
            self.error, self.message = MALFORMED_FORM, ""
            return None
        changes = {
            "name": data.get("name"),
            "industry": data.get("industry") or None,
            "size": data.get("size") or None,
            "primary_color": data.get("primary_color"),
            "mfa_required": data.get("mfa_required") or None,
        }
        try:
            organization = await run_blocking(organizations.update_organization, outcome, changes)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error, self.message = friendly_error(error), ""
            return None
        self._show(organization)
        self.organization_name = organization.name
        self.brand_color = self.color
        self.error, self.message = "", "Organization settings saved."
        return None
