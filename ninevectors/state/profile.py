"""The signed-in person's own profile and password."""

from __future__ import annotations

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services.identity import auth, users
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
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        user = users.get_current_user(outcome)
        self.first_name, self.last_name = user.first_name, user.last_name
        self.title = user.profile.title or ""
        self.department = user.profile.department or ""
        self.phone = user.profile.phone or ""
        self.profile_message = self.profile_error = ""
        self.password_message = self.password_error = ""
        return None

    @rx.event
    def save_profile(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            user = users.update_profile(outcome, form_data if isinstance(form_data, dict) else {})
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.profile_error, self.profile_message = friendly_error(error), ""
            return None
        self.user_name = user.full_name
        self.profile_error, self.profile_message = "", "Profile saved."
        return None

    @rx.event
    def change_password(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = self._authorize()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_data if isinstance(form_data, dict) else {}
        if data.get("new_password") != data.get("confirm_password"):
            self.password_error, self.password_message = "The two new passwords differ.", ""
            return None
        try:
            auth.change_password(outcome, data)
        except Exception as error:  # noqa: BLE001
            self.password_error, self.password_message = friendly_error(error), ""
            return None
        # Changing the password ends every session, this one included.
        return rx.redirect("/login?signed_out=1")
