"""One's own profile and password."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, field, notice_callout
from ninevectors.components.layout import app_shell
from ninevectors.state.profile import ProfileState
from ninevectors.state.session import SessionState


def profile() -> rx.Component:
    return app_shell(
        rx.heading("Your profile", size="8", as_="h1"),
        rx.text(
            SessionState.user_email,
            " · ",
            SessionState.organization_name,
            color=rx.color("gray", 11),
        ),
        rx.grid(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Details", size="4", as_="h2"),
                        notice_callout(ProfileState.profile_message, "profile-notice"),
                        error_callout(ProfileState.profile_error, "profile-error"),
                        field(
                            "First name",
                            "first_name",
                            default_value=ProfileState.first_name,
                            max_length=100,
                            autocomplete="given-name",
                        ),
                        field(
                            "Last name",
                            "last_name",
                            default_value=ProfileState.last_name,
                            max_length=100,
                            autocomplete="family-name",
                        ),
                        field(
                            "Title",
                            "title",
                            default_value=ProfileState.title,
                            required=False,
                            max_length=100,
                        ),
                        field(
                            "Department",
                            "department",
                            default_value=ProfileState.department,
                            required=False,
                            max_length=100,
                        ),
                        field(
                            "Phone",
                            "phone",
                            default_value=ProfileState.phone,
                            required=False,
                            max_length=40,
                            type="tel",
                        ),
                        rx.button("Save profile", type="submit"),
                        spacing="3",
                    ),
                    on_submit=ProfileState.save_profile,
                    key=ProfileState.first_name + ProfileState.last_name,
                    aria_label="Profile details",
                ),
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Password", size="4", as_="h2"),
                        error_callout(ProfileState.password_error, "password-error"),
                        field(
                            "Current password",
                            "current_password",
                            type="password",
                            autocomplete="current-password",
                            max_length=128,
                        ),
                        field(
                            "New password",
                            "new_password",
                            type="password",
                            autocomplete="new-password",
                            max_length=128,
                        ),
                        field(
                            "Repeat the new password",
                            "confirm_password",
                            type="password",
                            autocomplete="new-password",
                            max_length=128,
                        ),
                        rx.text(
                            "Changing it signs you out everywhere.",
                            size="1",
                            color=rx.color("gray", 10),
                        ),
                        rx.button("Change password", type="submit"),
                        spacing="3",
                    ),
                    on_submit=ProfileState.change_password,
                    method="post",  # before the page is live a plain submit must not put
                    # the password in the address (and so in history and server logs)
                    reset_on_submit=True,
                    aria_label="Change password",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
            padding_top="1em",
        ),
    )
