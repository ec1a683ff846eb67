"""Pages of the coach feature (declared in PAGES; ninevectors.py registers them).

``/coach`` lists past sessions and suggested first questions and starts new sessions;
``/coach?vector=3&assessment=<id>`` starts a session about that vector of that assessment;
``/coach/[session_id]`` is one conversation.
"""

from __future__ import annotations

import reflex as rx

from ninevectors.components.chat import bubble, composer, streaming_bubble
from ninevectors.components.forms import error_callout, link_button
from ninevectors.components.layout import app_shell
from ninevectors.pages.registry import PageSpec
from ninevectors.state.coach import CoachState, SessionRow


def _offline_badge() -> rx.Component:
    return rx.cond(
        CoachState.offline,
        rx.badge(
            "Offline coach — built from your scores, no AI service",
            color_scheme="amber",
            id="coach-offline",
        ),
    )


def _session_row(row: SessionRow) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.text(row.title, weight="medium"),
                rx.spacer(),
                rx.text(
                    row.messages, " messages · ", row.started, size="1", color=rx.color("gray", 10)
                ),  # fmt: skip
                width="100%",
            ),
            width="100%",
        ),
        href="/coach/" + row.id,
        class_name="coach-session",
        width="100%",
        underline="none",
    )


def _suggestion(question: rx.Var) -> rx.Component:
    return rx.button(
        question,
        on_click=CoachState.new_session(question),
        variant="surface",
        class_name="coach-suggestion",
    )


def coach_index() -> rx.Component:
    return app_shell(
        rx.hstack(rx.heading("Coach", size="8", as_="h1"), _offline_badge(), align="center"),
        rx.text(
            "Talk your results through with a coach that knows the 9 Vectors and your own scores.",
            color=rx.color("gray", 11),
        ),
        error_callout(CoachState.error, "coach-error"),
        rx.heading("Start with a question", size="4", as_="h2", padding_top="0.5em"),
        rx.flex(rx.foreach(CoachState.suggestions, _suggestion), wrap="wrap", gap="2"),
        rx.button(
            "New session",
            on_click=CoachState.new_session(""),
            id="coach-new",
            variant="soft",
            margin_top="0.5em",
        ),  # fmt: skip
        rx.heading("Past sessions", size="4", as_="h2", padding_top="1em"),
        rx.cond(
            CoachState.sessions.length() > 0,
            rx.vstack(rx.foreach(CoachState.sessions, _session_row), width="100%", spacing="2"),
            rx.cond(CoachState.loaded, rx.text("No sessions yet.", id="coach-no-sessions")),
        ),
    )


def _error_with_retry() -> rx.Component:
    return rx.cond(
        CoachState.error != "",
        rx.callout(
            rx.hstack(
                rx.text(CoachState.error),
                rx.cond(
                    CoachState.can_retry,
                    rx.button("Retry", on_click=CoachState.retry, size="1", id="coach-retry"),
                ),
                align="center",
            ),
            icon="triangle_alert",
            color_scheme="red",
            role="alert",
            id="coach-error",
        ),
        rx.cond(
            CoachState.can_retry & ~CoachState.generating,
            rx.hstack(
                rx.text("The coach has not answered your last message yet.", size="2"),
                rx.button("Retry", on_click=CoachState.retry, size="1", id="coach-retry"),
                align="center",
            ),
        ),
    )


def conversation() -> rx.Component:
    return app_shell(
        rx.hstack(
            link_button("All sessions", "/coach", variant="ghost", size="1"),
            _offline_badge(),
            align="center",
        ),
        rx.heading(CoachState.title, size="6", as_="h1", id="coach-title"),
        rx.vstack(
            rx.foreach(CoachState.messages, bubble),
            streaming_bubble(CoachState.reply, CoachState.generating),
            id="coach-conversation",
            width="100%",
            spacing="3",
            padding_y="1em",
        ),
        _error_with_retry(),
        rx.cond(
            CoachState.active_session != "",
            composer(CoachState.send, CoachState.stop, CoachState.generating),
        ),
    )


PAGES: list[PageSpec] = [
    PageSpec(coach_index, "/coach", "Coach", CoachState.load_index),
    PageSpec(conversation, "/coach/[session_id]", "Coach session", CoachState.load_conversation),
]
