"""Signed-out pages: log in, sign up, forgot password, reset password, accept invitation."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import (
    auth_card,
    error_callout,
    field,
    link_button,
    notice_callout,
)
from ninevectors.components.layout import app_shell
from ninevectors.routes import Route
from ninevectors.state.auth_pages import (
    AcceptInviteState,
    ForgotPasswordState,
    LoginState,
    ResetPasswordState,
    SignUpState,
)

PASSWORD_HINT = "At least 10 characters, mixing letters with digits or symbols."


def _name_fields() -> rx.Component:
    return rx.hstack(
        field("First name", "first_name", autocomplete="given-name", max_length=100),
        field("Last name", "last_name", autocomplete="family-name", max_length=100),
        width="100%",
    )


def _new_password_field() -> rx.Component:
    return field(
        "Password",
        "password",
        type="password",
        autocomplete="new-password",
        max_length=128,
        hint=PASSWORD_HINT,
    )


def login() -> rx.Component:
    return app_shell(
        auth_card(
            "Sign in to 9Vectors",
            notice_callout(LoginState.notice),
            error_callout(LoginState.error),
            rx.form(
                rx.vstack(
                    field("E-mail", "email", type="email", autocomplete="username"),
                    field(
                        "Password",
                        "password",
                        type="password",
                        autocomplete="current-password",
                        max_length=128,
                    ),
                    rx.button("Sign in", type="submit", size="3", width="100%", id="login-submit"),
                    spacing="3",
                ),
                on_submit=LoginState.submit,
                method="post",  # before the page is live a plain submit must not put
                # the password in the address (and so in history and server logs)
                aria_label="Sign in",
            ),
            rx.hstack(
                rx.link("Forgot your password?", href=Route.FORGOT_PASSWORD),
                rx.spacer(),
                rx.link("Create an organization", href=Route.SIGN_UP),
                width="100%",
                wrap="wrap",
            ),
        )
    )


def sign_up() -> rx.Component:
    return app_shell(
        auth_card(
            "Create your organization",
            rx.text("You will be its first administrator.", color=rx.color("gray", 11)),
            error_callout(SignUpState.error),
            rx.form(
                rx.vstack(
                    field(
                        "Organization name",
                        "organization_name",
                        autocomplete="organization",
                        max_length=100,
                    ),
                    _name_fields(),
                    field("Work e-mail", "email", type="email", autocomplete="email"),
                    _new_password_field(),
                    rx.button(
                        "Create organization",
                        type="submit",
                        size="3",
                        width="100%",
                        id="signup-submit",
                    ),
                    spacing="3",
                ),
                on_submit=SignUpState.submit,
                method="post",
                aria_label="Create your organization",
            ),
            rx.link("Already have an account? Sign in", href=Route.LOGIN),
        )
    )


def forgot_password() -> rx.Component:
    return app_shell(
        auth_card(
            "Reset your password",
            rx.text(
                "We will e-mail you a link that sets a new password.", color=rx.color("gray", 11)
            ),
            notice_callout(ForgotPasswordState.message),
            error_callout(ForgotPasswordState.error),
            rx.form(
                rx.vstack(
                    field("E-mail", "email", type="email", autocomplete="email"),
                    rx.button("Send the link", type="submit", size="3", width="100%"),
                    spacing="3",
                ),
                on_submit=ForgotPasswordState.submit,
                method="post",
                aria_label="Request a password reset",
            ),
            rx.link("Back to sign in", href=Route.LOGIN),
        )
    )


def reset_password() -> rx.Component:
    return app_shell(
        auth_card(
            "Choose a new password",
            rx.cond(
                ResetPasswordState.link_error != "",
                rx.vstack(
                    error_callout(ResetPasswordState.link_error, "link-error"),
                    rx.link("Ask for a new link", href=Route.FORGOT_PASSWORD),
                ),
                rx.cond(
                    ResetPasswordState.done,
                    rx.vstack(
                        rx.callout(
                            "Your password is changed. Sign in with it now.",
                            icon="check",
                            color_scheme="green",
                            role="status",
                        ),
                        link_button("Sign in", Route.LOGIN),
                    ),
                    rx.vstack(
                        rx.text("For ", rx.text.strong(ResetPasswordState.email)),
                        error_callout(ResetPasswordState.error),
                        rx.form(
                            rx.vstack(
                                field(
                                    "New password",
                                    "new_password",
                                    type="password",
                                    autocomplete="new-password",
                                    max_length=128,
                                    hint=PASSWORD_HINT,
                                ),
                                field(
                                    "Repeat the new password",
                                    "confirm_password",
                                    type="password",
                                    autocomplete="new-password",
                                    max_length=128,
                                ),
                                rx.button("Set password", type="submit", size="3", width="100%"),
                                spacing="3",
                            ),
                            on_submit=ResetPasswordState.submit,
                            method="post",  # before the page is live a plain submit must not put
                            # the password in the address (and so in history and server logs)
                            aria_label="Set a new password",
                        ),
                        width="100%",
                    ),
                ),
            ),
        )
    )


def accept_invite() -> rx.Component:
    return app_shell(
        auth_card(
            "Join your team on 9Vectors",
            rx.cond(
                AcceptInviteState.link_error != "",
                error_callout(AcceptInviteState.link_error, "link-error"),
                rx.vstack(
                    rx.text(
                        "You are invited to ",
                        rx.text.strong(AcceptInviteState.organization),
                        " as ",
                        rx.text.strong(AcceptInviteState.role_label),
                        " (",
                        AcceptInviteState.email,
                        ").",
                        id="invitation-summary",
                    ),
                    error_callout(AcceptInviteState.error),
                    rx.form(
                        rx.vstack(
                            _name_fields(),
                            _new_password_field(),
                            rx.button(
                                "Join", type="submit", size="3", width="100%", id="accept-submit"
                            ),
                            spacing="3",
                        ),
                        on_submit=AcceptInviteState.submit,
                        method="post",  # before the page is live a plain submit must not put
                        # the password in the address (and so in history and server logs)
                        aria_label="Accept the invitation",
                    ),
                    width="100%",
                ),
            ),
        )
    )
