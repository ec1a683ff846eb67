"""One's own profile, password, two-step sign-in and active sessions."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, field, notice_callout
from ninevectors.components.layout import app_shell
from ninevectors.components.mfa import code_field, key_to_scan, recovery_codes
from ninevectors.components.tables import table_header
from ninevectors.state.profile import ProfileState
from ninevectors.state.security import SecurityState
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
            _two_step_card(),
            _sessions_card(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
            padding_top="1em",
        ),
    )


# --- two-step sign-in ------------------------------------------------------------------------


def _code_form(
    button: str, on_submit: rx.EventHandler, label: str, **props: object
) -> rx.Component:
    return rx.form(
        rx.vstack(code_field(), rx.button(button, type="submit", **props), spacing="2"),
        on_submit=on_submit,
        reset_on_submit=True,
        aria_label=label,
        width="100%",
    )


def _mfa_on() -> rx.Component:
    state = SecurityState
    return rx.vstack(
        rx.hstack(
            rx.badge("On", color_scheme="green"),
            rx.text("since ", state.mfa_enabled_at, size="2"),
            align="center",
        ),
        rx.text(state.recovery_left, " recovery codes left.", size="2"),
        rx.el.details(
            rx.el.summary("Replace recovery codes"),
            _code_form("Replace recovery codes", state.replace_codes, "Replace recovery codes"),
        ),
        rx.cond(
            state.mfa_required,
            rx.text(
                "Your organization requires two-step sign-in.", size="2", color=rx.color("gray", 11)
            ),
            rx.el.details(
                rx.el.summary("Turn off two-step sign-in"),
                _code_form(
                    "Turn off", state.turn_off, "Turn off two-step sign-in", color_scheme="red"
                ),
            ),
        ),
        spacing="3",
        width="100%",
    )


def _mfa_off() -> rx.Component:
    state = SecurityState
    return rx.cond(
        state.enrol_key != "",
        rx.vstack(
            key_to_scan(state.enrol_qr, state.enrol_key),
            _code_form("Turn on", state.confirm_enrolment, "Confirm two-step sign-in"),
            rx.button("Cancel", variant="ghost", on_click=state.cancel_enrolment),
            spacing="3",
            width="100%",
        ),
        rx.vstack(
            rx.hstack(rx.badge("Off", color_scheme="gray"), align="center"),
            rx.text(
                "Ask for a code from an authenticator app at every sign-in, on top of your "
                "password.",
                size="2",
            ),
            rx.button("Set up two-step sign-in", on_click=state.start_enrolment),
            spacing="3",
            width="100%",
        ),
    )


def _two_step_card() -> rx.Component:
    state = SecurityState
    return rx.card(
        rx.vstack(
            rx.heading("Two-step sign-in", size="4", as_="h2"),
            notice_callout(state.mfa_message, "mfa-notice"),
            error_callout(state.mfa_error, "mfa-error"),
            rx.cond(
                state.new_codes.length() > 0,
                rx.vstack(
                    recovery_codes(state.new_codes),
                    rx.button("I have saved my codes", on_click=state.hide_codes),
                    width="100%",
                ),
                rx.cond(state.mfa_enabled, _mfa_on(), _mfa_off()),
            ),
            spacing="3",
            width="100%",
        )
    )


# --- sessions --------------------------------------------------------------------------------


def _session_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["device"]),
        rx.table.cell(row["ip"]),
        rx.table.cell(row["last_seen"]),
        rx.table.cell(row["method"]),
        rx.table.cell(
            rx.cond(
                row["current"] != "",
                rx.badge("This browser", color_scheme="blue"),
                rx.button(
                    "Sign out",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    aria_label="Sign out " + row["device"] + " at " + row["ip"],
                    on_click=SecurityState.end_session(row["id"]),
                ),
            )
        ),
    )


def _sessions_card() -> rx.Component:
    state = SecurityState
    return rx.card(
        rx.vstack(
            rx.heading("Where you are signed in", size="4", as_="h2"),
            notice_callout(state.sessions_message, "sessions-notice"),
            error_callout(state.sessions_error, "sessions-error"),
            rx.table.root(
                rx.el.caption(
                    "Active sessions, latest activity first",
                    style={"captionSide": "top", "textAlign": "left", "fontSize": "0.85em"},
                ),
                table_header(["Device", "Address", "Last seen", "Sign-in", "Action"]),
                rx.table.body(rx.foreach(state.session_rows, _session_row)),
                width="100%",
            ),
            rx.cond(
                state.session_rows.length() > 1,
                rx.button(
                    "Sign out everywhere else",
                    variant="soft",
                    on_click=state.end_other_sessions,
                ),
            ),
            spacing="3",
            width="100%",
        ),
        grid_column=rx.breakpoints(initial="auto", md="span 2"),
    )
