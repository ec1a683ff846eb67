"""Pages of the documents feature (declared in PAGES; ninevectors.py registers them):
``/documents``, the library with upload, live status, search, details and the admin's
dead-letter queue."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, not_allowed, notice_callout
from ninevectors.components.layout import app_shell
from ninevectors.components.tables import table_header
from ninevectors.framework import get_framework
from ninevectors.models.document import CATEGORIES, VISIBILITIES
from ninevectors.pages.registry import PageSpec
from ninevectors.state.documents import (
    UPLOAD_ID,
    CitationRow,
    DeadLetterRow,
    DocumentRow,
    DocumentsState,
    HitRow,
    RelevanceRow,
    UploadRow,
)

LIST_STYLE = {
    "listStyle": "none",
    "padding": 0,
    "margin": 0,
    "width": "100%",
    "display": "flex",
    "flexDirection": "column",
}
SELECT_STYLE = {"height": "34px", "padding": "0 0.5em", "borderRadius": "6px"}
ACCEPT = {
    "application/pdf": [".pdf"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": [".pptx"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
    "text/plain": [".txt"],
    "text/markdown": [".md"],
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
}


def _select(name: str, label: str, options: list[tuple[str, str]], **props: object) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(text, value=value) for value, text in options],
        name=name,
        aria_label=label,
        style=SELECT_STYLE,
        **props,
    )


def _open_button(text: rx.Var, event: object, class_name: str) -> rx.Component:
    """Opens a document's details in place (a button: no navigation, no page reload)."""
    return rx.button(
        text, variant="ghost", size="2", on_click=event, class_name=class_name, cursor="pointer"
    )


def _status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status, ("completed", "green"), ("failed", "red"), ("processing", "blue"), "gray"
        ),
        class_name="document-status",
    )


# ---- upload ----------------------------------------------------------------------------


def _picked_files() -> rx.Var:
    """The files selected in the drop zone, as the browser holds them: name, size and a
    readable size (the same wording as the server's)."""
    selected = rx.selected_files(UPLOAD_ID)
    files = f"filesById[{rx.Var.create(UPLOAD_ID)!s}]"
    label = (
        "(f.size >= 1048576 ? (f.size / 1048576).toFixed(1) + ' MB' : "
        "f.size < 1024 ? f.size + ' B' : Math.floor(f.size / 1024) + ' KB')"
    )
    each = f"(f) => ({{name: f.name, size: f.size, label: {label}}})"
    return rx.Var(
        _js_expr=f"({files} ? {files}.map({each}) : [])",
        _var_type=list[dict[str, str | int]],
        _var_data=selected._get_all_var_data(),
    )


def _picked_file(file: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(file["name"], " · ", file["label"], size="2"),
        class_name="selected-file",
    )


def _upload_row(row: UploadRow) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text.strong(row.name, size="2", class_name="upload-name"),
            rx.text(row.size_label, size="1", color=rx.color("gray", 10)),
            spacing="2",
            align="baseline",
        ),
        rx.progress(
            value=row.percent,
            max=100,
            width="100%",
            color_scheme=rx.match(row.status, ("rejected", "red"), ("stored", "green"), "blue"),
            custom_attrs={"aria-label": "Upload of " + row.name},
            class_name="upload-progress",
        ),
        rx.text(
            row.text,
            size="2",
            color=rx.match(
                row.status,
                ("rejected", rx.color("red", 11)),
                ("stored", rx.color("green", 11)),
                rx.color("gray", 11),
            ),
            class_name="upload-status",
        ),
        class_name="upload-result",
        data_status=row.status,
        style={"display": "flex", "flexDirection": "column", "gap": "0.25em"},
    )


def _upload_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Upload", size="4", as_="h2"),
            rx.upload(
                rx.vstack(
                    rx.icon("upload", size=28),
                    rx.text("Drag files here or click to choose (several at once)."),
                    rx.text(
                        "PDF, DOCX, PPTX, XLSX, TXT, MD, PNG or JPG — up to 25 MB each.",
                        size="1",
                        color=rx.color("gray", 10),
                    ),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                multiple=True,
                accept=ACCEPT,
                border="2px dashed var(--gray-7)",
                padding="1.5em",
                width="100%",
                class_name="document-dropzone",
            ),
            rx.cond(
                DocumentsState.uploading,
                rx.fragment(),
                rx.el.ul(
                    rx.foreach(_picked_files(), _picked_file),
                    aria_label="Selected files",
                    style=LIST_STYLE,
                ),
            ),
            rx.hstack(
                _select(
                    "upload_category",
                    "Category",
                    [(c, c.capitalize()) for c in CATEGORIES],
                    value=DocumentsState.upload_category,
                    on_change=DocumentsState.set_upload_category,
                ),
                _select(
                    "upload_visibility",
                    "Visibility",
                    [(v, v.capitalize()) for v in VISIBILITIES],
                    value=DocumentsState.upload_visibility,
                    on_change=DocumentsState.set_upload_visibility,
                ),
                rx.button(
                    "Upload",
                    id="upload-button",
                    on_click=[
                        DocumentsState.start_upload(_picked_files()),
                        DocumentsState.handle_upload(
                            rx.upload_files(
                                upload_id=UPLOAD_ID,
                                on_upload_progress=DocumentsState.upload_progressed,
                            )
                        ),
                    ],
                ),
                spacing="2",
                wrap="wrap",
            ),
            rx.el.ul(
                rx.foreach(DocumentsState.upload_rows, _upload_row),
                id="upload-rows",
                aria_label="Uploads",
                style={**LIST_STYLE, "gap": "0.75em"},
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


# ---- search ----------------------------------------------------------------------------


def _hit(hit: HitRow) -> rx.Component:
    return rx.box(
        rx.hstack(
            _open_button(hit.name, DocumentsState.select(hit.id), "hit-name"),
            rx.badge(hit.category, variant="soft"),
            rx.text(hit.page, size="1", color=rx.color("gray", 10)),
            spacing="2",
            align="center",
        ),
        rx.html(hit.snippet_html, class_name="hit-snippet"),
        padding_y="0.5em",
        border_bottom="1px solid var(--gray-5)",
        class_name="search-hit",
        width="100%",
    )


def _search_panel() -> rx.Component:
    vectors = [("", "Any vector")] + [(str(v.id), v.name) for v in get_framework().vectors]
    return rx.card(
        rx.vstack(
            rx.heading("Search", size="4", as_="h2"),
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.input(
                            name="q",
                            id="document-search",
                            placeholder="Words, a phrase or a question…",
                            max_length=500,
                            width="100%",
                        ),
                        rx.button("Search", type="submit", id="search-button"),
                        width="100%",
                    ),
                    rx.hstack(
                        _select(
                            "category",
                            "Category filter",
                            [("", "Any category")] + [(c, c.capitalize()) for c in CATEGORIES],
                        ),
                        _select("vector", "Vector filter", vectors),
                        rx.input(name="tag", placeholder="Tag", max_length=30, width="10em"),
                        rx.input(name="date_from", type="date", aria_label="From date"),
                        rx.input(name="date_to", type="date", aria_label="To date"),
                        spacing="2",
                        wrap="wrap",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=DocumentsState.search,
                width="100%",
            ),
            rx.cond(
                DocumentsState.searched,
                rx.vstack(
                    rx.hstack(
                        rx.text(DocumentsState.hits.length(), " result(s)", size="2"),
                        rx.button("Clear", variant="ghost", on_click=DocumentsState.clear_search),
                    ),
                    rx.foreach(DocumentsState.hits, _hit),
                    width="100%",
                    id="search-results",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


# ---- library ---------------------------------------------------------------------------


def _row(row: DocumentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_open_button(row.name, DocumentsState.select(row.id), "document-name")),
        rx.table.cell(row.category),
        rx.table.cell(
            rx.vstack(
                _status_badge(row.status),
                rx.cond(row.reason != "", rx.text(row.reason, size="1", color=rx.color("red", 11))),
                spacing="1",
            )
        ),
        rx.table.cell(row.top_vectors),
        rx.table.cell(row.size),
        rx.table.cell(row.uploaded_at),
        class_name="document-row",
        custom_attrs={"data-status": row.status},
    )


def _library_table() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Library", size="4", as_="h2"),
            rx.cond(
                DocumentsState.total > DocumentsState.rows.length(),
                rx.text(
                    "newest ",
                    DocumentsState.rows.length(),
                    " of ",
                    DocumentsState.total,
                    " — search to find the others",
                    size="2",
                    color=rx.color("gray", 10),
                ),
            ),
            rx.cond(
                DocumentsState.processing,
                rx.badge("processing… (refreshing every 2 s)", color_scheme="blue"),
            ),
            align="center",
        ),
        rx.cond(
            DocumentsState.rows.length() > 0,
            rx.table.root(
                table_header(
                    (
                        "Name",
                        "Category",
                        "Status",
                        "Top vectors",
                        "Size",
                        "Uploaded",
                    )
                ),
                rx.table.body(rx.foreach(DocumentsState.rows, _row)),
                width="100%",
                id="documents-table",
            ),
            rx.text("No documents yet.", color=rx.color("gray", 10)),
        ),
        width="100%",
        spacing="2",
    )


# ---- details ---------------------------------------------------------------------------


def _relevance(row: RelevanceRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.vector, size="2", width="12em"),
        rx.progress(value=row.percent, width="10em"),
        rx.text(row.percent, "%", size="2"),
        align="center",
        class_name="vector-relevance",
    )


def _citation(row: CitationRow) -> rx.Component:
    return rx.text(
        rx.link(row.assessment_name, href="/assessments/" + row.assessment_id), " — ", row.theme
    )


def _edit_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            _select(
                "category",
                "Category",
                [(c, c.capitalize()) for c in CATEGORIES],
                default_value=DocumentsState.selected_category,
                key=DocumentsState.selected_id + "-c",
            ),
            _select(
                "visibility",
                "Visibility",
                [(v, v.capitalize()) for v in VISIBILITIES],
                default_value=DocumentsState.selected_visibility,
                key=DocumentsState.selected_id + "-v",
            ),
            rx.input(
                name="tags",
                placeholder="tags, comma separated",
                default_value=DocumentsState.selected_tags,
                key=DocumentsState.selected_id + "-t",
                max_length=400,
            ),
            rx.button("Save", type="submit", variant="soft"),
            spacing="2",
            wrap="wrap",
        ),
        on_submit=DocumentsState.save_details,
    )


def _analysis_method() -> rx.Component:
    """Who made the analysis: Claude (and which model) or local methods, and why Claude was
    not used when it was configured but failed."""
    return rx.vstack(
        rx.badge(
            DocumentsState.analysis_label,
            color_scheme=rx.cond(DocumentsState.analysis_by_claude, "violet", "gray"),
            variant="soft",
            id="analysis-method",
        ),
        rx.cond(
            DocumentsState.analysis_fallback != "",
            rx.text(
                DocumentsState.analysis_fallback,
                size="1",
                color=rx.color("amber", 11),
                id="analysis-fallback",
            ),
        ),
        spacing="1",
    )


def _details() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(DocumentsState.selected_name, size="5", as_="h2", id="document-title"),
                _status_badge(DocumentsState.selected_status),
                rx.spacer(),
                rx.button("Close", variant="ghost", on_click=DocumentsState.close_details),
                width="100%",
                align="center",
            ),
            rx.text(DocumentsState.selected_meta, size="2", color=rx.color("gray", 11)),
            rx.cond(
                DocumentsState.selected_reason != "",
                rx.callout(DocumentsState.selected_reason, color_scheme="red", icon="ban"),
            ),
            rx.cond(
                DocumentsState.relevance.length() > 0,
                rx.vstack(
                    rx.heading("Vector relevance", size="3", as_="h3"),
                    _analysis_method(),
                    rx.cond(
                        DocumentsState.summary != "",
                        rx.text(DocumentsState.summary, size="2", id="analysis-summary"),
                    ),
                    rx.foreach(DocumentsState.relevance, _relevance),
                    rx.text(rx.text.strong("Key topics: "), DocumentsState.topics, size="2"),
                    rx.text(rx.text.strong("Sentiment: "), DocumentsState.sentiment, size="2"),
                    rx.cond(
                        DocumentsState.actions.length() > 0,
                        rx.vstack(
                            rx.text.strong("Action items", size="2"),
                            rx.foreach(
                                DocumentsState.actions, lambda a: rx.text("• ", a, size="2")
                            ),
                            spacing="1",
                        ),
                    ),
                    spacing="2",
                    id="document-analysis",
                ),
            ),
            rx.heading("Cited in", size="3", as_="h3"),
            rx.cond(
                DocumentsState.citations.length() > 0,
                rx.foreach(DocumentsState.citations, _citation),
                rx.text("Not cited as evidence yet.", size="2", color=rx.color("gray", 10)),
            ),
            rx.cond(
                DocumentsState.similar.length() > 0,
                rx.vstack(
                    rx.heading("Similar documents", size="3", as_="h3"),
                    rx.foreach(
                        DocumentsState.similar,
                        lambda h: _open_button(h.name, DocumentsState.select(h.id), "similar"),
                    ),
                    spacing="1",
                ),
            ),
            rx.cond(DocumentsState.selected_can_edit, _edit_form()),
            rx.hstack(
                rx.button(
                    "Download",
                    id="download-button",
                    on_click=DocumentsState.download(DocumentsState.selected_id),
                ),
                rx.cond(
                    DocumentsState.selected_can_edit,
                    rx.button(
                        "Delete…",
                        color_scheme="red",
                        variant="soft",
                        id="delete-button",
                        on_click=DocumentsState.ask_delete,
                    ),
                ),
                spacing="2",
            ),
            rx.cond(
                DocumentsState.confirm_delete,
                rx.callout(
                    rx.hstack(
                        rx.text("Delete this document, its search entries and evidence links?"),
                        rx.button(
                            "Yes, delete",
                            color_scheme="red",
                            id="confirm-delete",
                            on_click=DocumentsState.delete,
                        ),
                        rx.button("Cancel", variant="soft", on_click=DocumentsState.cancel_delete),
                        align="center",
                        wrap="wrap",
                    ),
                    color_scheme="red",
                    icon="triangle_alert",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="document-details",
    )


def _dead_letter(row: DeadLetterRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.document_name),
        rx.table.cell(row.reason),
        rx.table.cell(row.failed_at),
        rx.table.cell(
            rx.button("Retry", size="1", on_click=DocumentsState.retry_failed(row.message_id))
        ),
    )


def _dead_letters() -> rx.Component:
    return rx.cond(
        DocumentsState.dead_letters.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("Failed processing jobs (dead-letter queue)", size="4", as_="h2"),
                rx.table.root(
                    rx.table.body(rx.foreach(DocumentsState.dead_letters, _dead_letter)),
                    width="100%",
                ),
                width="100%",
            ),
            width="100%",
        ),
    )


def documents_page() -> rx.Component:
    return app_shell(
        rx.cond(
            DocumentsState.allowed,
            rx.vstack(
                rx.heading("Documents", size="7", as_="h1"),
                error_callout(DocumentsState.error, "documents-error"),
                notice_callout(DocumentsState.notice, "documents-notice"),
                rx.cond(DocumentsState.can_upload, _upload_panel()),
                _search_panel(),
                rx.cond(DocumentsState.selected_id != "", _details()),
                _library_table(),
                rx.cond(DocumentsState.is_admin, _dead_letters()),
                spacing="4",
                width="100%",
            ),
            rx.cond(DocumentsState.is_authenticated, not_allowed(), rx.spinner()),
        )
    )


PAGES: list[PageSpec] = [
    PageSpec(documents_page, "/documents", "Documents", DocumentsState.load),
]
