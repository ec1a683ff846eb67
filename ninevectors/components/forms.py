"""Form pieces: labelled fields, error and notice callouts, a centred card for auth pages."""

from __future__ import annotations

import reflex as rx


def field(
    label: str,
    name: str,
    *,
    type: str = "text",
    autocomplete: str | None = None,
    required: bool = True,
    max_length: int = 254,
    default_value: str | rx.Var | None = None,
    hint: str | None = None,
) -> rx.Component:
    input_id = f"field-{name}"
    extra = {"default_value": default_value} if default_value is not None else {}
    return rx.vstack(
        rx.el.label(label, html_for=input_id, style={"fontWeight": 500, "fontSize": "0.9em"}),
        rx.input(
            name=name,
            id=input_id,
            type=type,
            required=required,
            auto_complete=autocomplete,
            max_length=max_length,
            width="100%",
            size="3",
            **extra,
        ),
        rx.text(hint, size="1", color=rx.color("gray", 10)) if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def error_callout(message: rx.Var, test_id: str = "form-error") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", id=test_id),
    )


def notice_callout(message: rx.Var, test_id: str = "form-notice") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="blue", role="status", id=test_id),
    )


def auth_card(title: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(rx.heading(title, size="6", as_="h1"), *children, spacing="4", width="100%"),
            width="100%",
            max_width="28em",
            size="3",
        ),
        width="100%",
        padding_y="2em",
    )


def not_allowed() -> rx.Component:
    return rx.vstack(
        rx.heading("Not allowed", size="7", as_="h1", id="not-allowed"),
        rx.text(
            "Your role does not give access to this page. Ask an administrator of your "
            "organization if you need it."
        ),
        padding_y="2em",
    )


def link_button(
    text: str | rx.Component | rx.Var, href: str | rx.Var, **props: object
) -> rx.Component:
    """A link styled as a button: one interactive element (an <a>), not a button in a link."""
    return rx.button(rx.link(text, href=href, underline="none"), as_child=True, **props)


def pager(page: rx.Var, page_count: rx.Var, go_to: rx.EventHandler) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Previous",
            on_click=go_to(page - 1),
            disabled=page <= 1,
            variant="soft",
            aria_label="Previous page",
        ),
        rx.text("Page ", page, " of ", page_count, size="2"),
        rx.button(
            "Next",
            on_click=go_to(page + 1),
            disabled=page >= page_count,
            variant="soft",
            aria_label="Next page",
        ),
        align="center",
        padding_top="0.5em",
    )
