"""Admin: single sign-on — the organization's OpenID Connect provider, its e-mail domains,
the role of people who sign in for the first time, and whether passwords still work."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, field, notice_callout
from ninevectors.components.layout import guarded_shell
from ninevectors.routes import Route
from ninevectors.state.admin_sso import BREAK_GLASS_PREFIX, PRESETS, AdminOption, AdminSsoState
from ninevectors.state.session import SessionState

LABEL_STYLE = {"fontWeight": 500, "fontSize": "0.9em"}
SELECT_STYLE = {"height": "40px", "padding": "0 0.5em", "borderRadius": "6px"}


def _hint(text: str) -> rx.Component:
    return rx.text(text, size="1", color=rx.color("gray", 10))


def _labelled(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style=LABEL_STYLE),
        control,
        _hint(hint) if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _presets() -> rx.Component:
    return rx.vstack(
        rx.text("Provider", style=LABEL_STYLE),
        rx.hstack(
            *[
                rx.button(
                    label,
                    type="button",
                    variant="soft",
                    on_click=AdminSsoState.use_preset(key),
                )
                for key, label in PRESETS
            ],
            wrap="wrap",
        ),
        _hint("A preset fills the issuer URL; any OpenID Connect provider works."),
        spacing="1",
    )


def _issuer() -> rx.Component:
    control = rx.input(
        name="issuer",
        id="sso-issuer",
        value=AdminSsoState.issuer,
        on_change=AdminSsoState.type_issuer,
        required=True,
        max_length=500,
        width="100%",
        size="3",
    )
    return _labelled(
        "Issuer URL", "sso-issuer", control, "Its discovery document must name this issuer."
    )


def _secret() -> rx.Component:
    return rx.vstack(
        field(
            "Client secret",
            "client_secret",
            type="password",
            autocomplete="new-password",
            required=False,
            max_length=2000,
        ),
        rx.cond(
            AdminSsoState.secret_set,
            _hint("A secret is saved; leave blank to keep it."),
            _hint("Stored encrypted; never shown again."),
        ),
        spacing="1",
        width="100%",
    )


def _text_area(name: str, control_id: str, value: rx.Var) -> rx.Component:
    return rx.text_area(name=name, id=control_id, default_value=value, rows="3", width="100%")


def _jit_role() -> rx.Component:
    control = rx.el.select(
        rx.foreach(
            AdminSsoState.role_options,
            lambda option: rx.el.option(option.label, value=option.value),
        ),
        name="jit_role",
        id="sso-jit-role",
        default_value=AdminSsoState.jit_role,
        style=SELECT_STYLE,
    )
    return _labelled("Role for new people", "sso-jit-role", control)


def _groups() -> rx.Component:
    mapping = _text_area("group_roles", "sso-group-roles", AdminSsoState.group_roles)
    return rx.vstack(
        field(
            "Groups claim (optional)",
            "groups_claim",
            required=False,
            max_length=100,
            default_value=AdminSsoState.groups_claim,
            hint="The ID token claim listing the person's groups, e.g. groups.",
        ),
        _labelled(
            "Groups to roles (optional)",
            "sso-group-roles",
            mapping,
            "One per line: group = ROLE (VIEWER, MEMBER, MANAGER or ORG_ADMIN). "
            "The highest matching role is given at the first sign-in.",
        ),
        spacing="3",
        width="100%",
    )


def _checkbox(label: rx.Var | str, name: rx.Var | str, box_id: rx.Var | str, checked: rx.Var
              ) -> rx.Component:  # fmt: skip
    return rx.hstack(
        rx.el.input(type="checkbox", name=name, id=box_id, default_checked=checked),
        rx.el.label(label, html_for=box_id),
        align="center",
        spacing="2",
    )


def _break_glass_admin(admin: AdminOption) -> rx.Component:
    return _checkbox(
        admin.label, BREAK_GLASS_PREFIX + admin.id, "break-glass-" + admin.id, admin.checked
    )


def _require_sso() -> rx.Component:
    return rx.vstack(
        _checkbox("Require SSO", "require_sso", "sso-require", AdminSsoState.require_sso),
        _hint("Password sign-in stops for these domains' people, except the break-glass admins."),
        rx.el.fieldset(
            rx.el.legend("Break-glass admins", style=LABEL_STYLE),
            rx.vstack(rx.foreach(AdminSsoState.admins, _break_glass_admin), spacing="1"),
            _hint("They can still sign in with a password when your provider is down."),
            style={"border": "none", "padding": 0, "margin": 0},
        ),
        spacing="2",
        width="100%",
    )


def _redirect_uri() -> rx.Component:
    control = rx.input(
        id="sso-redirect-uri",
        value=AdminSsoState.callback_url,
        read_only=True,
        width="100%",
        size="3",
    )
    return _labelled(
        "Redirect URI", "sso-redirect-uri", control, "Register it at your provider for this app."
    )


def _settings_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _issuer(),
            field(
                "Client ID",
                "client_id",
                autocomplete="off",
                max_length=255,
                default_value=AdminSsoState.client_id,
            ),
            _secret(),
            _labelled(
                "E-mail domains",
                "sso-domains",
                _text_area("domains", "sso-domains", AdminSsoState.domains),
                "Comma or newline separated, e.g. example.com. A domain belongs to one "
                "organization only.",
            ),
            _jit_role(),
            _groups(),
            _require_sso(),
            _redirect_uri(),
            rx.button("Save", type="submit", id="sso-save"),
            spacing="4",
            width="100%",
        ),
        on_submit=AdminSsoState.save,
        key=AdminSsoState.revision,
        aria_label="Single sign-on settings",
    )


def _confirm_remove() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Remove SSO", color_scheme="red", variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove single sign-on?"),
            rx.alert_dialog.description(
                "The provider and its domains are forgotten. People sign in with a password "
                "again (those created through SSO set one with Forgot your password)."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button("Remove SSO", color_scheme="red", on_click=AdminSsoState.remove)
                ),
                justify="end",
                padding_top="1em",
            ),
        ),
    )


def _plan_note() -> rx.Component:
    """The plan lacks SSO: said before any form, with the way to a plan that has it."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("info")),
        rx.callout.text(
            AdminSsoState.plan_note,
            " ",
            rx.link("See plans", href=Route.PRICING),
            rx.cond(
                SessionState.can_manage_billing,
                rx.fragment(" · ", rx.link("Upgrade", href=Route.ADMIN_BILLING)),
            ),
        ),
        color_scheme="gray",
        id="sso-plan-note",
    )


def admin_sso() -> rx.Component:
    state = AdminSsoState
    content = rx.fragment(
        rx.heading("Single sign-on", size="8", as_="h1"),
        rx.text(
            "People of your e-mail domains sign in through your identity provider "
            "(OpenID Connect).",
            color=rx.color("gray", 11),
        ),
        rx.card(
            rx.vstack(
                notice_callout(state.message),
                error_callout(state.error),
                rx.cond(
                    state.plan_note != "",
                    _plan_note(),
                    rx.fragment(_presets(), _settings_form()),
                ),
                rx.cond(state.configured, rx.box(rx.separator(), _confirm_remove())),
                spacing="4",
                width="100%",
            ),
            max_width="40em",
            margin_top="1em",
        ),
    )
    return guarded_shell(state, content)
