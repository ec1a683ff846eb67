"""The assessment wizard page: vector and sub-lens navigation beside the theme matrix.

Every input has an ARIA label naming its theme, so a screen reader announces theme, rating
and confidence; radio groups move with the arrow keys, Tab moves between inputs.
"""

from __future__ import annotations

import reflex as rx

from ninevectors.components.answer_sync import (
    after_saving,
    answer_sync,
    answer_value,
    answered_count,
    save_answer,
    save_status,
    wizard_progress,
)
from ninevectors.components.forms import error_callout
from ninevectors.components.layout import app_shell
from ninevectors.state.wizard import (
    NOT_SURE,
    RATING_CHOICES,
    DocumentHit,
    DocumentRef,
    SubLensLink,
    ThemeRow,
    VectorNav,
    WizardState,
)

SCALE = {
    "1": "Critical weakness",
    "2": "Weak",
    "3": "Adequate",
    "4": "Strong",
    "5": "Clear strength",
}


def _start_value(row: ThemeRow, field: str, stored: rx.Var) -> rx.Var:
    return answer_value(
        WizardState.current_assessment_id, WizardState.user_id, row.id, field, stored
    )


def _rating_group(row: ThemeRow) -> rx.Component:
    return rx.radio_group.root(
        rx.hstack(
            *[
                rx.el.label(
                    rx.radio_group.item(value=choice, aria_label=f"{choice} – {SCALE[choice]}"),
                    rx.text(choice, size="2"),
                    style={"display": "flex", "gap": "0.25em", "alignItems": "center"},
                )
                for choice in RATING_CHOICES
            ],
            rx.el.label(
                rx.radio_group.item(value=NOT_SURE, aria_label="Not sure or not applicable"),
                rx.text("Not sure", size="2", color=rx.color("gray", 10)),
                style={"display": "flex", "gap": "0.25em", "alignItems": "center"},
            ),
            spacing="3",
            wrap="wrap",
        ),
        default_value=_start_value(row, "rating", row.rating),
        on_change=save_answer(row.id, "rating"),
        disabled=WizardState.read_only,
        aria_label="Rating for " + row.name,
        class_name="rating-group",
    )


def _confidence_group(row: ThemeRow) -> rx.Component:
    return rx.radio_group.root(
        rx.hstack(
            *[
                rx.el.label(
                    rx.radio_group.item(value=choice, aria_label=f"Confidence {choice} of 5"),
                    rx.text(choice, size="1"),
                    style={"display": "flex", "gap": "0.2em", "alignItems": "center"},
                )
                for choice in RATING_CHOICES
            ],
            spacing="2",
        ),
        default_value=_start_value(row, "confidence", row.confidence),
        on_change=save_answer(row.id, "confidence"),
        disabled=WizardState.read_only,
        aria_label="Confidence for " + row.name,
        class_name="confidence-group",
        size="1",
    )


def _cited_document(row: ThemeRow, document: DocumentRef) -> rx.Component:
    return rx.badge(
        rx.icon("file-text", size=12),
        rx.link(document.name, href="/documents?doc=" + document.id),
        rx.cond(
            ~WizardState.read_only,
            rx.icon_button(
                rx.icon("x", size=12),
                size="1",
                variant="ghost",
                on_click=WizardState.detach(row.id, document.id),
                aria_label="Remove " + document.name + " from the evidence of " + row.name,
            ),
        ),
        variant="surface",
        class_name="cited-document",
    )


def _cited_documents(row: ThemeRow) -> rx.Component:
    return rx.hstack(
        rx.foreach(row.documents, lambda document: _cited_document(row, document)),
        rx.cond(
            ~WizardState.read_only,
            rx.button(
                rx.icon("paperclip", size=14),
                "Attach document",
                size="1",
                variant="soft",
                on_click=WizardState.open_attach(row.id),
                aria_label="Attach a library document as evidence for " + row.name,
            ),
        ),
        wrap="wrap",
        align="center",
    )


def _document_hit(hit: DocumentHit) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(hit.name, weight="medium"),
            rx.text(hit.snippet, size="1", color=rx.color("gray", 10)),
            spacing="0",
            flex="1",
        ),
        rx.button(
            "Attach", size="1", on_click=WizardState.attach(hit.id), aria_label="Attach " + hit.name
        ),
        width="100%",
        align="center",
        class_name="document-hit",
    )


def _attach_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Attach a document to ", WizardState.attach_theme_name),
            rx.input(
                value=WizardState.document_query,
                on_change=WizardState.set_document_query.debounce(300),
                placeholder="Search the document library",
                aria_label="Search the document library",
                width="100%",
            ),
            error_callout(WizardState.attach_error, "attach-error"),
            rx.vstack(
                rx.foreach(WizardState.document_hits, _document_hit),
                rx.cond(
                    WizardState.document_hits.length() == 0,
                    rx.text("No documents found. Upload them in Documents.", size="2"),
                ),
                spacing="2",
                width="100%",
                padding_y="0.75em",
            ),
            rx.dialog.close(rx.button("Close", variant="soft")),
            max_width="34em",
        ),
        open=WizardState.attach_theme_id != "",
        on_open_change=WizardState.close_attach,
    )


def _theme_card(row: ThemeRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.name, size="3", as_="h3"),
                rx.code(row.id, size="1", color_scheme="gray"),
                rx.popover.root(
                    rx.popover.trigger(
                        rx.icon_button(
                            rx.icon("circle-help", size=16),
                            variant="ghost",
                            size="1",
                            aria_label="Guidance for " + row.name,
                        )
                    ),
                    rx.popover.content(rx.text(row.guidance, size="2"), max_width="28em"),
                ),
                align="center",
            ),
            rx.grid(
                rx.vstack(
                    rx.text("Rating", size="1", weight="bold"), _rating_group(row), spacing="1"
                ),
                rx.vstack(
                    rx.text("Confidence", size="1", weight="bold"),
                    _confidence_group(row),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            rx.text_area(
                default_value=_start_value(row, "notes", row.notes),
                on_change=save_answer(row.id, "notes"),
                placeholder="Notes (what makes you say so?)",
                aria_label="Notes for " + row.name,
                max_length=2000,
                read_only=WizardState.read_only,
                width="100%",
                rows="2",
                class_name="notes",
            ),
            rx.text_area(
                value=row.evidence,
                on_change=lambda value: WizardState.set_evidence(row.id, value),
                debounce_timeout=600,
                placeholder="Evidence: one reference per line (document, link, figure)",
                aria_label="Evidence for " + row.name,
                read_only=WizardState.read_only,
                width="100%",
                rows="1",
                class_name="evidence",
            ),
            _cited_documents(row),
            spacing="2",
            width="100%",
        ),
        id="theme-card-" + row.id,
        # A fresh card per theme and read: its inputs start from what was just read.
        key=row.id + "-" + WizardState.view_version.to_string(),
        class_name="theme-card",
        width="100%",
    )


def _sub_lens_link(link: SubLensLink) -> rx.Component:
    return rx.button(
        rx.text(link.name, size="2", text_align="left", flex="1"),
        rx.text(
            answered_count(scope="subLens:" + link.id, initial=link.answered),
            "/",
            link.total,
            size="1",
            color=rx.color("gray", 10),
        ),
        on_click=WizardState.go_to(link.id),
        variant=rx.cond(link.id == WizardState.sub_lens_id, "soft", "ghost"),
        width="100%",
        justify="between",
        aria_current=rx.cond(link.id == WizardState.sub_lens_id, "step", "false"),
        class_name="sub-lens-link",
    )


def _vector_nav(vector: VectorNav) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.box(width="10px", height="10px", border_radius="50%", background=vector.color),
            rx.text(vector.name, weight="bold", size="2"),
            rx.spacer(),
            rx.text(
                answered_count(scope="vector:" + vector.id.to_string(), initial=vector.answered),
                "/",
                vector.total,
                size="1",
                color=rx.color("gray", 10),
                class_name="vector-progress",
            ),
            align="center",
            width="100%",
        ),
        rx.foreach(vector.sub_lenses, _sub_lens_link),
        spacing="1",
        width="100%",
        padding_bottom="0.5em",
    )


def _navigation() -> rx.Component:
    return rx.el.nav(
        rx.vstack(rx.foreach(WizardState.nav, _vector_nav), spacing="2", width="100%"),
        aria_label="Vectors and sub-lenses",
        style={"width": "100%"},
    )


def _header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(WizardState.assessment_name, size="6", as_="h1"),
            rx.spacer(),
            save_status(id="save-status", class_name="save-status"),
            width="100%",
            align="center",
        ),
        rx.hstack(
            wizard_progress(
                initial=WizardState.answered, total=WizardState.total, id="overall-progress"
            ),
            rx.cond(
                WizardState.others_present.length() > 0,
                rx.badge(
                    "Also here: ",
                    rx.foreach(WizardState.others_present, rx.text),
                    color_scheme="blue",
                ),
            ),
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            WizardState.read_only,
            rx.callout(
                rx.cond(
                    WizardState.submitted,
                    "You have submitted this response; it can no longer be changed.",
                    "This assessment is not open for answers.",
                ),
                icon="lock",
                color_scheme="gray",
                id="read-only-notice",
            ),
        ),
        error_callout(WizardState.save_error, "save-error"),
        width="100%",
        spacing="2",
    )


def _sub_lens_body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.box(
                width="12px",
                height="12px",
                border_radius="50%",
                background=WizardState.vector_color,
            ),
            rx.text(WizardState.vector_name, weight="bold"),
            rx.text("·", color=rx.color("gray", 9)),
            rx.text(WizardState.position, color=rx.color("gray", 10), size="2"),
            align="center",
        ),
        rx.heading(WizardState.sub_lens_name, size="5", as_="h2", id="sub-lens-heading"),
        rx.text(WizardState.vector_description, size="2", color=rx.color("gray", 11)),
        rx.text(
            "Rate each theme for your organization today: 1 critical weakness · 2 weak · "
            "3 adequate · 4 strong · 5 clear strength. Confidence: how sure you are.",
            size="1",
            color=rx.color("gray", 10),
        ),
        rx.foreach(WizardState.rows, _theme_card),
        rx.hstack(
            rx.button(
                "Previous",
                on_click=WizardState.previous_sub_lens,
                disabled=WizardState.is_first,
                variant="soft",
                id="previous-sub-lens",
            ),
            rx.spacer(),
            rx.cond(
                WizardState.is_last,
                rx.cond(
                    ~WizardState.read_only,
                    rx.button(
                        "Submit response",
                        on_click=after_saving(WizardState.submit),
                        id="submit-response",
                        color_scheme="green",
                    ),
                ),
                rx.button("Next", on_click=WizardState.next_sub_lens, id="next-sub-lens"),
            ),
            width="100%",
            padding_top="0.5em",
        ),
        error_callout(WizardState.submit_error, "submit-error"),
        spacing="3",
        width="100%",
    )


def wizard() -> rx.Component:
    return app_shell(
        rx.cond(
            WizardState.load_error != "",
            rx.callout(
                WizardState.load_error, icon="triangle_alert", color_scheme="red", id="load-error"
            ),
            rx.cond(
                WizardState.rows.length() > 0,
                rx.vstack(
                    _header(),
                    rx.grid(
                        rx.box(
                            rx.desktop_only(_navigation()),
                            rx.mobile_and_tablet(
                                rx.el.details(
                                    rx.el.summary("Jump to a vector or sub-lens"),
                                    _navigation(),
                                )
                            ),
                            class_name="wizard-nav",
                        ),
                        _sub_lens_body(),
                        columns=rx.breakpoints(initial="1", md="16em 1fr"),
                        spacing="5",
                        width="100%",
                    ),
                    rx.moment(interval=30_000, on_change=WizardState.tick, display="none"),
                    answer_sync(
                        assessment_id=WizardState.current_assessment_id,
                        user_id=WizardState.user_id,
                        read_only=WizardState.read_only,
                    ),
                    _attach_dialog(),
                    width="100%",
                    spacing="4",
                ),
                rx.spinner(aria_label="Loading the assessment"),
            ),
        )
    )
