"""Signed-in pages of every role: the organization home and one's own profile."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, field, link_button, notice_callout
from ninevectors.components.layout import app_shell
from ninevectors.routes import Route
from ninevectors.state.dashboard import DashboardState
from ninevectors.state.profile import ProfileState
from ninevectors.state.session import SessionState


def _empty_state(title: str, text: str, *actions: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("clipboard-list", size=32, color=rx.color("gray", 9)),
            rx.heading(title, size="4", as_="h2"),
            rx.text(text, color=rx.color("gray", 11)),
            rx.hstack(*actions),
            align="center",
            spacing="3",
            padding="2em",
        ),
        width="100%",
        class_name="empty-state",
    )


def dashboard() -> rx.Component:
    return app_shell(
        rx.cond(
            SessionState.is_authenticated,
            rx.vstack(
                rx.heading(SessionState.organization_name, size="8", as_="h1", id="dashboard-org"),
                rx.cond(
                    DashboardState.welcome,
                    rx.callout(
                        "Welcome to 9Vectors. Invite your team, then start your first assessment.",
                        icon="party_popper",
                        color_scheme="green",
                        role="status",
                    ),
                ),
                _empty_state(
                    "No assessments yet",
                    "Assessments you run or take part in will appear here, with their progress "
                    "and results.",
                    link_button("Learn the 9 Vectors", Route.LEARN, variant="soft"),
                    rx.cond(
                        SessionState.can_manage_users,
                        link_button("Invite your team", Route.ADMIN_USERS),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.spinner(aria_label="Loading"),
        )
    )


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
