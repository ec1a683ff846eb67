"""Admin: the organization's single sign-on (OpenID Connect) connection.

The client secret is write-only: the page only learns whether one is saved. Break-glass
admins are checkboxes named ``break_glass:<user id>``, because a form's repeated names
collapse to one value in the submitted data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.billing import overview
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles, sso, users
from ninevectors.state.admin_users import RoleOption
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, identifier
from ninevectors.state.session import SessionState, friendly_error

ADMINS_ONLY = "Only administrators can change single sign-on."
UNKNOWN_PRESET = "Choose Microsoft Entra ID or Google."
BREAK_GLASS_PREFIX = "break_glass:"
TEXT_FIELDS = ("issuer", "client_id", "client_secret", "domains", "jit_role", "groups_claim")
MAX_TEXT = 20_000
ADMIN_ROLES = (roles.Role.ORG_ADMIN.value, roles.Role.SUPER_ADMIN.value)
PRESETS = tuple((key, preset.label) for key, preset in sso.PRESETS.items())
_PRESET_FILLS = {key: (preset.issuer, preset.hint) for key, preset in sso.PRESETS.items()}


@dataclass
class AdminOption:
    id: str
    label: str
    checked: bool


@dataclass
class _Loaded:
    settings: sso.SsoSettings | None
    admins: list[tuple[str, str]]
    role_options: list[RoleOption]
    callback_url: str
    plan_note: str  # "" when the plan has single sign-on


def _admins_of(principal: Principal) -> list[tuple[str, str]]:
    """(user id, "Name <e-mail>") of the organization's active admins."""
    found: list[tuple[str, str]] = []
    for role in ADMIN_ROLES:
        listing = users.list_users(principal, {"role": role, "status": "active", "page_size": 200})
        found += [(u.id, f"{u.full_name} <{u.email}>") for u in listing.items]
    return found


def _read(principal: Principal) -> _Loaded:
    options = [
        RoleOption(r.value, r.label)
        for r in reversed(roles.grantable_roles(principal.role))
        if r is not roles.Role.SUPER_ADMIN
    ]
    settings = sso.get_settings_of(principal)
    note = overview.missing_feature_note(principal, sso.SSO_FEATURE)
    return _Loaded(settings, _admins_of(principal), options, sso.callback_url(), note)


def _group_lines(group_roles: dict[str, str]) -> str:
    return "\n".join(f"{group} = {role}" for group, role in sorted(group_roles.items()))


def settings_payload(data: dict[str, Any]) -> dict[str, Any] | None:
    """The submitted form as the service's input, or None when a value is not text (the
    service validates the text itself)."""
    values = {name: data.get(name, "") for name in (*TEXT_FIELDS, "group_roles")}
    if not all(isinstance(value, str) and len(value) <= MAX_TEXT for value in values.values()):
        return None
    checked = [key for key in data if isinstance(key, str) and key.startswith(BREAK_GLASS_PREFIX)]
    return {
        **values,
        "client_secret": values["client_secret"] or None,
        "groups_claim": values["groups_claim"] or None,
        "require_sso": bool(data.get("require_sso")),
        "break_glass_user_ids": [key.removeprefix(BREAK_GLASS_PREFIX) for key in checked],
    }


class AdminSsoState(SessionState):
    configured: bool = False
    issuer: str = ""
    client_id: str = ""
    secret_set: bool = False
    domains: str = ""
    jit_role: str = roles.Role.MEMBER.value
    groups_claim: str = ""
    group_roles: str = ""
    require_sso: bool = False
    admins: list[AdminOption] = []
    role_options: list[RoleOption] = []
    callback_url: str = ""
    # Bumped whenever the saved values change, so the form's defaults are drawn again.
    revision: int = 0
    message: str = ""
    error: str = ""
    plan_note: str = ""  # the plan lacks SSO: said before the form, which is not shown

    def _show(self, loaded: _Loaded) -> None:
        saved = loaded.settings
        chosen = set(saved.break_glass_user_ids) if saved else set()
        self.configured = saved is not None
        self.issuer = saved.issuer if saved else ""
        self.client_id = saved.client_id if saved else ""
        self.secret_set = bool(saved and saved.secret_set)
        self.domains = "\n".join(saved.domains) if saved else ""
        self.jit_role = saved.jit_role if saved else roles.Role.MEMBER.value
        self.groups_claim = saved.groups_claim if saved else ""
        self.group_roles = _group_lines(saved.group_roles) if saved else ""
        self.require_sso = bool(saved and saved.require_sso)
        self.admins = [AdminOption(uid, label, uid in chosen) for uid, label in loaded.admins]
        self.role_options = loaded.role_options
        self.callback_url = loaded.callback_url
        self.plan_note = loaded.plan_note
        self.revision += 1

    async def _admin(self) -> Principal | rx.event.EventSpec | None:
        """The principal of an admin; else the redirect, or None once "not allowed" is said."""
        outcome = await self._authorize(roles.ORG_MANAGE)
        if isinstance(outcome, Principal) and not self.allowed:
            self.error, self.message = ADMINS_ONLY, ""
            return None
        return outcome

    async def _reload(self, principal: Principal) -> bool:
        try:
            loaded = await run_blocking(_read, principal)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return False
        self._show(loaded)
        return True

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal):
            return outcome
        self.message = self.error = ""
        if self.allowed:
            await self._reload(outcome)
        return None

    @rx.event
    async def use_preset(self, key: object) -> rx.event.EventSpec | None:
        outcome = await self._admin()
        if not isinstance(outcome, Principal):
            return outcome
        fill = _PRESET_FILLS.get(identifier(key, 20) or "")
        if fill is None:
            self.error, self.message = UNKNOWN_PRESET, ""
            return None
        self.issuer, hint = fill
        self.error, self.message = "", hint
        return None

    @rx.event
    def type_issuer(self, value: object) -> None:
        if isinstance(value, str) and len(value) <= MAX_TEXT:
            self.issuer = value

    @rx.event
    async def save(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = await self._admin()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_fields(form_data)
        payload = settings_payload(data) if data is not None else None
        if payload is None:
            self.error, self.message = MALFORMED_FORM, ""
            return None
        try:
            await run_blocking(sso.save_settings, outcome, payload)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error, self.message = friendly_error(error), ""
            return None
        if await self._reload(outcome):
            self.error, self.message = "", "Single sign-on saved."
        return None

    @rx.event
    async def remove(self) -> rx.event.EventSpec | None:
        outcome = await self._admin()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            await run_blocking(sso.remove_settings, outcome)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error, self.message = friendly_error(error), ""
            return None
        if await self._reload(outcome):
            self.error, self.message = "", "Single sign-on removed: passwords sign in again."
        return None
