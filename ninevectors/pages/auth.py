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
from ninevectors.components.mfa import code_field, key_to_scan, recovery_codes
from ninevectors.components.sso import sso_sign_in
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


def _password_sign_in() -> rx.Component:
    return rx.fragment(
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


def _mfa_code_form(button: str, hint: str | None) -> rx.Component:
    return rx.form(
        rx.vstack(
            code_field(hint=hint),
            rx.button(button, type="submit", size="3", width="100%", loading=LoginState.busy),
            spacing="3",
        ),
        on_submit=LoginState.submit_code,
        reset_on_submit=True,
        aria_label="Two-step sign-in code",
    )


def _mfa_step() -> rx.Component:
    """The second step: a code, the set-up where the organization requires it, or the
    recovery codes right after that set-up."""
    return rx.vstack(
        rx.heading("Two-step sign-in", size="4", as_="h2"),
        rx.match(
            LoginState.mfa_step,
            (
                "enrol",
                rx.vstack(
                    rx.text("Your organization requires two-step sign-in. Set it up to go on."),
                    key_to_scan(LoginState.mfa_qr, LoginState.mfa_key),
                    _mfa_code_form("Turn on and continue", None),
                    width="100%",
                ),
            ),
            (
                "enrolled",
                rx.vstack(
                    recovery_codes(LoginState.recovery_codes),
                    rx.button(
                        "I have saved my codes — continue",
                        on_click=LoginState.finish_enrolment,
                        size="3",
                        width="100%",
                    ),
                    width="100%",
                ),
            ),
            _mfa_code_form(
                "Verify",
                "The 6-digit code from your authenticator app, or one of your recovery codes.",
            ),
        ),
        rx.button("Use another account", on_click=LoginState.cancel_mfa, variant="ghost"),
        spacing="3",
        width="100%",
    )


def login() -> rx.Component:
    return app_shell(
        auth_card(
            "Sign in to 9Vectors",
            notice_callout(LoginState.notice),
            error_callout(LoginState.error),
            rx.cond(LoginState.mfa_step != "", _mfa_step(), sso_sign_in(_password_sign_in())),
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


def _join_with_sso() -> rx.Component:
    return rx.vstack(
        rx.button(
            "Join with SSO",
            on_click=AcceptInviteState.join_with_sso,
            size="3",
            width="100%",
            id="join-with-sso",
        ),
        rx.cond(
            AcceptInviteState.sso_required,
            rx.text("Your organization signs in with SSO only."),
            rx.separator(),
        ),
        spacing="3",
        width="100%",
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
                    rx.cond(AcceptInviteState.sso_available, _join_with_sso()),
                    rx.cond(
                        AcceptInviteState.sso_required,
                        rx.fragment(),
                        rx.form(
                            rx.vstack(
                                _name_fields(),
                                _new_password_field(),
                                rx.button(
                                    "Join",
                                    type="submit",
                                    size="3",
                                    width="100%",
                                    id="accept-submit",
                                ),
                                spacing="3",
                            ),
                            on_submit=AcceptInviteState.submit,
                            method="post",  # before the page is live a plain submit must not
                            # put the password in the address (and so in history and server logs)
                            aria_label="Accept the invitation",
                        ),
                    ),
                    width="100%",
                ),
            ),
        )
    )
