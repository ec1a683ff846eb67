"""Admin: the organization's name, industry, size and brand colour."""

from __future__ import annotations

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.identity import organizations, roles
from ninevectors.state.session import DEFAULT_BRAND_COLOR, SessionState, friendly_error


class AdminOrganizationState(SessionState):
    name: str = ""
    industry: str = ""
    size: str = ""
    color: str = DEFAULT_BRAND_COLOR
    plan: str = ""
    message: str = ""
    error: str = ""

    def _load_fields(self, principal: Principal) -> None:
        organization = organizations.get_organization(principal)
        self.name = organization.name
        self.industry = organization.industry or ""
        self.size = organization.size or ""
        self.color = organization.settings.branding.colors.primary or DEFAULT_BRAND_COLOR
        self.plan = organization.plan

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal):
            return outcome
        self.message = self.error = ""
        if self.allowed:
            self._load_fields(outcome)
        return None

    @rx.event
    def save(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal) or not self.allowed:
            return outcome
        data = form_data if isinstance(form_data, dict) else {}
        changes = {
            "name": data.get("name"),
            "industry": data.get("industry") or None,
            "size": data.get("size") or None,
            "primary_color": data.get("primary_color"),
        }
        try:
            organization = organizations.update_organization(outcome, changes)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error, self.message = friendly_error(error), ""
            return None
        self._load_fields(outcome)
        self.organization_name = organization.name
        self.brand_color = self.color
        self.error, self.message = "", "Organization settings saved."
        return None
