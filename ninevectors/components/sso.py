"""The login page's "Continue with SSO" part, around the password sign-in."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout
from ninevectors.state.sso import SsoState


def _sso_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                "Work email for single sign-on",
                html_for="field-sso-email",
                style={"fontWeight": 500, "fontSize": "0.9em"},
            ),
            rx.input(
                name="sso_email",
                id="field-sso-email",
                type="email",
                required=True,
                auto_complete="email",
                max_length=254,
                width="100%",
                size="3",
                on_change=SsoState.check_email.debounce(400),
            ),
            rx.button("Continue with SSO", type="submit", size="3", width="100%", variant="soft"),
            spacing="2",
            width="100%",
        ),
        on_submit=SsoState.start,
        aria_label="Continue with SSO",
        width="100%",
    )


def _required_notice() -> rx.Component:
    return rx.callout(
        "Your organization signs in with SSO only (" + SsoState.domain + "). "
        "Use Continue with SSO above.",
        icon="info",
        color_scheme="blue",
        role="status",
        id="sso-required",
    )


def sso_sign_in(password_sign_in: rx.Component) -> rx.Component:
    """The SSO form, then the password sign-in unless the typed domain requires SSO."""
    return rx.vstack(
        error_callout(SsoState.sso_error, "sso-error"),
        _sso_form(),
        rx.separator(),
        rx.cond(SsoState.password_offered, password_sign_in, _required_notice()),
        spacing="4",
        width="100%",
        on_mount=SsoState.load,
    )
