"""Two-step sign-in pieces shared by the login page and the profile: the key to scan (QR and
text), the code field and the recovery codes shown once."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import field


def code_field(label: str = "Authentication code", hint: str | None = None) -> rx.Component:
    return field(
        label,
        "code",
        autocomplete="one-time-code",
        max_length=20,
        hint=hint,
    )


def key_to_scan(qr_data_uri: rx.Var, key_text: rx.Var) -> rx.Component:
    """The new key as a QR code for an authenticator app, and as text to type in."""
    return rx.vstack(
        rx.text(
            "Scan this QR code with an authenticator app (Microsoft Authenticator, Google "
            "Authenticator, 1Password, …), then enter the 6-digit code it shows."
        ),
        rx.image(
            src=qr_data_uri,
            alt="QR code of your two-step sign-in key",
            width="200px",
            height="200px",
        ),
        rx.text("Can't scan? Enter this key in the app:", size="2"),
        rx.code(key_text, id="mfa-key", size="3", style={"wordBreak": "break-all"}),
        spacing="2",
        width="100%",
    )


def recovery_codes(codes: rx.Var) -> rx.Component:
    """The ten recovery codes, shown once."""
    return rx.vstack(
        rx.callout(
            "Save these recovery codes somewhere safe. Each one signs you in once if you lose "
            "your phone. They are shown only now.",
            icon="key_round",
            color_scheme="amber",
            role="status",
        ),
        rx.el.ul(
            rx.foreach(codes, lambda code: rx.el.li(rx.code(code, size="3"))),
            aria_label="Recovery codes",
            style={"columns": "2", "listStyle": "none", "padding": 0, "margin": 0},
        ),
        spacing="3",
        width="100%",
    )
