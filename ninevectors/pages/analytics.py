"""Pages of the analytics feature (declared in PAGES; ninevectors.py registers them): the
assessment dashboard at /assessments/[assessment_id]/dashboard."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, notice_callout
from ninevectors.components.layout import app_shell
from ninevectors.components.radar import radar_chart
from ninevectors.components.tables import table_header
from ninevectors.pages.registry import PageSpec
from ninevectors.routes import Route
from ninevectors.services.analytics.thresholds import MAXIMUM_THRESHOLD, MINIMUM_THRESHOLD
from ninevectors.state.analytics import (
    AnalyticsState,
    FlagLine,
    GroupRow,
    NoteLine,
    StatLine,
    TrendLine,
    VectorLine,
)

S = AnalyticsState
SELECT_STYLE = {"height": "36px", "padding": "0 0.5em", "borderRadius": "6px"}


def _bar(percent: rx.Var, color: rx.Var | str) -> rx.Component:
    return rx.box(
        rx.box(width=percent.to(str) + "%", height="8px", background=color, border_radius="4px"),
        width="120px",
        background=rx.color("gray", 4),
        border_radius="4px",
    )


def _vector_row(row: VectorLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.button(
                row.name,
                variant="ghost",
                on_click=S.select_vector(row.id),
                class_name="drill-vector",
                aria_label="Drill into " + row.name,
            )
        ),
        rx.table.cell(
            rx.hstack(
                _bar(row.percent, row.color),
                rx.text(row.mean),
                rx.badge(row.band, color_scheme=row.band_scheme, variant="soft"),
                align="center",
            )
        ),
        rx.table.cell(row.spread),
        rx.table.cell(row.count),
        rx.table.cell(row.confidence),
        rx.table.cell(row.consensus),
        rx.table.cell(rx.cond(row.flagged, rx.badge(row.gap, color_scheme="red"), row.gap)),
        rx.table.cell(row.self_gap),
    )


def _stat_cells(row: StatLine, name: rx.Component | rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(name),
        rx.table.cell(
            rx.hstack(
                _bar(row.percent, "#0d9488"),
                rx.text(row.mean),
                rx.badge(row.band, color_scheme=row.band_scheme, variant="soft"),
                align="center",
            )
        ),
        rx.table.cell(row.spread),
        rx.table.cell(row.count),
    )


def _lens_row(row: StatLine) -> rx.Component:
    button = rx.button(row.name, variant="ghost", on_click=S.select_lens(row.id),
                       class_name="drill-lens")  # fmt: skip
    return _stat_cells(row, button)


def _theme_row(row: StatLine) -> rx.Component:
    return _stat_cells(row, row.name)


def _group_option(group: GroupRow) -> rx.Component:
    return rx.el.option(group.label + " (" + group.respondents.to(str) + ")", value=group.key)


def _hidden(group: GroupRow) -> rx.Component:
    return rx.text(group.reason, size="2", class_name="hidden-slice")


def _benchmark_select() -> rx.Component:
    return rx.fragment(
        rx.el.label("Benchmark", html_for="benchmark-overlay", style={"fontSize": "0.9em"}),
        rx.el.select(
            rx.el.option("None", value=""),
            rx.foreach(S.benchmark_options, lambda label: rx.el.option(label, value=label)),
            id="benchmark-overlay",
            value=S.benchmark_overlay,
            on_change=S.set_benchmark_overlay,
            style=SELECT_STYLE,
        ),
    )


def _radar_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Nine vectors", size="5", as_="h2"),
                rx.spacer(),
                rx.el.label("Compare with", html_for="overlay", style={"fontSize": "0.9em"}),
                rx.el.select(
                    rx.el.option("Nobody", value=""),
                    rx.foreach(S.overlay_options, _group_option),
                    id="overlay",
                    value=S.overlay,
                    on_change=S.set_overlay,
                    style=SELECT_STYLE,
                ),
                rx.cond(S.benchmark_options.length() > 0, _benchmark_select()),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            radar_chart(S.figure, id="radar"),
            rx.foreach(S.hidden_groups, _hidden),
            width="100%",
        ),
        width="100%",
    )


def _drill_section() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            table_header(
                (
                    "Vector",
                    "Mean",
                    "Spread",
                    "Count",
                    "Confidence",
                    "Consensus",
                    "Group gap",
                    "Self − others",
                )
            ),  # fmt: skip
            rx.table.body(rx.foreach(S.vectors, _vector_row)),
            width="100%",
            id="vector-table",
        ),
        rx.cond(
            S.selected_vector != 0,
            rx.vstack(
                rx.heading(S.selected_vector_name, " — sub-lenses", size="4", as_="h3"),
                rx.table.root(
                    table_header(("Sub-lens", "Mean", "Spread", "Count")),
                    rx.table.body(rx.foreach(S.lens_rows, _lens_row)),
                    width="100%",
                    id="lens-table",
                ),
                rx.cond(
                    S.selected_lens != "",
                    rx.table.root(
                        table_header(("Theme", "Mean", "Spread", "Count")),
                        rx.table.body(rx.foreach(S.theme_rows, _theme_row)),
                        width="100%",
                        id="theme-table",
                    ),
                ),
                width="100%",
            ),
        ),
        width="100%",
    )


def _areas() -> rx.Component:
    return rx.hstack(
        rx.card(
            rx.heading("Strengths", size="4", as_="h3"),
            rx.foreach(S.strengths, lambda n: rx.badge(n, color_scheme="green", margin="0.2em")),
            flex="1",
        ),
        rx.card(
            rx.heading("Improvement areas", size="4", as_="h3"),
            rx.foreach(S.improvements, lambda n: rx.badge(n, color_scheme="amber", margin="0.2em")),
            flex="1",
        ),
        width="100%",
        wrap="wrap",
    )


def _flag(flag: FlagLine) -> rx.Component:
    return rx.text(flag.id, " ", flag.name, ": ", flag.between, ", gap ", flag.gap, size="2")


def _trend(trend: TrendLine) -> rx.Component:
    return rx.text(rx.text.strong("Round ", trend.round, ": "), trend.summary, size="2")


def _note(note: NoteLine) -> rx.Component:
    return rx.text(rx.text.strong(note.theme, " (", note.group, "): "), note.text, size="2")


def _exports() -> rx.Component:
    return rx.cond(
        S.can_export,
        rx.vstack(
            rx.hstack(
                rx.button("Download CSV", on_click=S.download_csv, variant="soft", id="csv"),
                rx.button("Create PDF report", on_click=S.start_pdf, loading=S.pdf_busy, id="pdf"),
                wrap="wrap",
            ),
            rx.cond(
                S.pdf_busy, rx.progress(value=S.pdf_progress, width="240px", id="pdf-progress")
            ),
            notice_callout(S.pdf_status, "pdf-status"),
            rx.cond(
                S.pdf_url != "",
                rx.link(
                    "Download the PDF report", href=S.pdf_url, id="pdf-link", is_external=True
                ),  # fmt: skip
            ),
            error_callout(S.pdf_error, "export-error"),
        ),
    )


def _threshold_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.label("Anonymity threshold", html_for="threshold", style={"fontSize": "0.9em"}),
            rx.input(
                name="threshold",
                id="threshold",
                type="number",
                min=MINIMUM_THRESHOLD,
                max=MAXIMUM_THRESHOLD,
                default_value=S.threshold.to(str),
                key=S.threshold,
                width="6em",
                aria_describedby="threshold-help",
            ),
            rx.button("Save", type="submit", variant="soft", size="2", id="save-threshold"),
            rx.text(S.threshold_saved, size="2", color=rx.color("green", 11), role="status"),
            align="center",
            wrap="wrap",
        ),
        rx.text(
            f"Between {MINIMUM_THRESHOLD} and {MAXIMUM_THRESHOLD}: a group with fewer "
            "submitted responses is hidden, notes included.",
            size="1",
            color=rx.color("gray", 10),
            id="threshold-help",
        ),
        error_callout(S.threshold_error, "threshold-error"),
        on_submit=S.save_threshold,
        id="threshold-form",
    )


def _aggregate() -> rx.Component:
    return rx.vstack(
        rx.text(
            S.respondents,
            " submitted responses · groups under ",
            S.threshold,
            " respondents are hidden to protect anonymity",
            size="2",
            color=rx.color("gray", 10),
        ),  # fmt: skip
        _exports(),
        _radar_section(),
        _areas(),
        rx.heading("Drill down", size="5", as_="h2"),
        _drill_section(),
        rx.heading("Alignment", size="5", as_="h2"),
        rx.cond(
            S.flags.length() > 0,
            rx.vstack(rx.foreach(S.flags, _flag), id="flags"),
            rx.text("No group differs from another by 2 points or more.", size="2"),
        ),
        rx.heading("Trends", size="5", as_="h2"),
        rx.cond(
            S.trends.length() > 0,
            rx.vstack(
                rx.plotly(data=S.trend_chart, width="100%"),
                rx.foreach(S.trends, _trend),
                id="trends",
                width="100%",
            ),
            rx.text("This is the first round of this assessment.", size="2"),
        ),
        rx.heading("Benchmarks", size="5", as_="h2"),
        rx.foreach(S.benchmarks, lambda b: rx.text(b, size="2")),
        rx.text(S.benchmark_note, size="2", color=rx.color("gray", 10)),
        rx.heading("Notes", size="5", as_="h2"),
        rx.cond(
            S.notes.length() > 0,
            rx.vstack(rx.foreach(S.notes, _note), id="notes"),
            rx.text("No notes in the groups shown.", size="2"),
        ),
        width="100%",
        spacing="3",
    )


def assessment_dashboard() -> rx.Component:
    return app_shell(
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.heading(rx.cond(S.title != "", S.title, "Dashboard"), size="8", as_="h1"),
                error_callout(S.error, "dashboard-error"),
                notice_callout(S.message, "dashboard-message"),
                rx.cond(S.can_set_threshold, _threshold_form()),
                rx.cond(S.vectors.length() > 0, _aggregate()),
                width="100%",
                spacing="4",
                id="assessment-dashboard",
            ),
            rx.spinner(aria_label="Loading"),
        )
    )


PAGES: list[PageSpec] = [
    PageSpec(
        assessment_dashboard,
        Route.ASSESSMENT_DASHBOARD,
        "Assessment dashboard",
        AnalyticsState.load,
    ),
]
