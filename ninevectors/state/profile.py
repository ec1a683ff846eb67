"""The signed-in person's own profile and password."""

from __future__ import annotations

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import auth, users
from ninevectors.state.inputs import MALFORMED_FORM, form_fields
from ninevectors.state.session import SessionState, friendly_error


class ProfileState(SessionState):
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    department: str = ""
    phone: str = ""
    profile_message: str = ""
    profile_error: str = ""
    password_message: str = ""
    password_error: str = ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        self.profile_message = self.profile_error = ""
        self.password_message = self.password_error = ""
        try:
            user = await run_blocking(users.get_current_user, outcome)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.profile_error = friendly_error(error)
            return None
        self.first_name, self.last_name = user.first_name, user.last_name
        self.title = user.profile.title or ""
        self.department = user.profile.department or ""
        self.phone = user.profile.phone or ""
        return None

    @rx.event
    async def save_profile(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_fields(form_data)
        if data is None:
            self.profile_error, self.profile_message = MALFORMED_FORM, ""
            return None
        try:
            user = await run_blocking(users.update_profile, outcome, data)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.profile_error, self.profile_message = friendly_error(error), ""
            return None
        self.user_name = user.full_name
        self.profile_error, self.profile_message = "", "Profile saved."
        return None

    @rx.event
    async def change_password(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = await self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_fields(form_data)
        if data is None:
            self.password_error, self.password_message = MALFORMED_FORM, ""
            return None
        if data.get("new_password") != data.get("confirm_password"):
            self.password_error, self.password_message = "The two new passwords differ.", ""
            return None
        try:
            await run_blocking(auth.change_password, outcome, data)
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.password_error, self.password_message = friendly_error(error), ""
            return None
        # Changing the password ends every session, this one included.
        return rx.redirect("/login?signed_out=1")
