"""Chat pieces of the coach: message bubbles (sanitised Markdown), the composer with its stop
button, and the coach cards placed on a person's results page."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import link_button
from ninevectors.state.coach import ChatRow, CoachCard, CoachCardsState, SourceLink


def safe_markdown(text: rx.Var | str, **props: object) -> rx.Component:
    """Markdown without the raw-HTML plugin (HTML in a reply shows as text, never runs) and
    without math; react-markdown drops javascript: links itself."""
    return rx.markdown(text, use_raw=False, use_math=False, use_katex=False, **props)


def _source(link: SourceLink) -> rx.Component:
    return rx.link(link.label, href=link.href, size="1", class_name="coach-source")


def bubble(row: ChatRow) -> rx.Component:
    mine = row.role == "user"
    return rx.box(
        rx.text(
            rx.cond(mine, "You", "Coach"), " · ", row.time, size="1", color=rx.color("gray", 10)
        ),
        rx.cond(mine, rx.text(row.content, white_space="pre-wrap"), safe_markdown(row.content)),
        rx.cond(
            row.sources.length() > 0,
            rx.flex(
                rx.text("Sources:", size="1"),
                rx.foreach(row.sources, _source),
                gap="2",
                wrap="wrap",
                class_name="coach-sources",
            ),  # fmt: skip
        ),
        class_name=rx.cond(mine, "chat-message chat-user", "chat-message chat-coach"),
        background=rx.cond(mine, rx.color("accent", 3), rx.color("gray", 2)),
        border_radius="8px",
        padding="0.6em 0.9em",
        max_width="90%",
        align_self=rx.cond(mine, "flex-end", "flex-start"),
    )


def streaming_bubble(text: rx.Var, generating: rx.Var) -> rx.Component:
    return rx.cond(
        generating,
        rx.box(
            rx.text("Coach · now", size="1", color=rx.color("gray", 10)),
            rx.cond(
                text != "",
                safe_markdown(text),
                rx.hstack(rx.spinner(size="1"), rx.text("Thinking…", size="2")),
            ),
            id="coach-streaming",
            class_name="chat-message chat-coach",
            background=rx.color("gray", 2),
            border_radius="8px",
            padding="0.6em 0.9em",
            max_width="90%",
            aria_live="polite",
        ),
    )


def composer(
    on_submit: rx.EventHandler, on_stop: rx.EventHandler, generating: rx.Var
) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.text_area(
                name="message",
                id="coach-message",
                placeholder="Ask your coach…",
                aria_label="Message to the coach",
                max_length=4000,
                rows="2",
                width="100%",
                required=True,
            ),
            rx.cond(
                generating,
                rx.button(
                    "Stop",
                    type="button",
                    on_click=on_stop,
                    color_scheme="red",
                    variant="soft",
                    id="coach-stop",
                ),  # fmt: skip
                rx.button("Send", type="submit", id="coach-send"),
            ),
            align="end",
            width="100%",
        ),
        on_submit=on_submit,
        width="100%",
    )


def _card(card: CoachCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(card.reason, size="1", color=rx.color("gray", 10)),
            rx.heading(card.name, " · ", card.score, size="4", as_="h3"),
            link_button(
                "Talk it through with the coach",
                card.href,
                size="2",
                class_name="coach-card-link",
            ),  # fmt: skip
            spacing="2",
        ),
        class_name="coach-card",
    )


def coach_cards() -> rx.Component:
    """Cards on a person's results page (route with ``assessment_id``): one per coaching
    trigger (vectors scoring 2.5 or less), each opening a coach session on that vector."""
    return rx.box(
        rx.cond(
            CoachCardsState.coach_cards.length() > 0,
            rx.vstack(
                rx.heading("Talk it through", size="5", as_="h2"),
                rx.grid(
                    rx.foreach(CoachCardsState.coach_cards, _card),
                    columns="3",
                    spacing="3",
                    width="100%",
                ),  # fmt: skip
                width="100%",
            ),
        ),
        on_mount=CoachCardsState.load_cards,
        id="coach-cards",
        width="100%",
    )
