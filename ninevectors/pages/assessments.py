"""Assessment pages: the list with the "new assessment" dialog, one assessment, my results."""

from __future__ import annotations

import reflex as rx

from ninevectors.components.chat import coach_cards
from ninevectors.components.forms import error_callout, field, link_button, notice_callout, pager
from ninevectors.components.layout import app_shell
from ninevectors.components.tables import table_header
from ninevectors.framework import get_framework
from ninevectors.routes import Route
from ninevectors.state.assessments import (
    RESPONDENT_TYPES,
    REVIEW_360_PLAN,
    TYPE_LABELS,
    AssessmentDetailState,
    AssessmentRow,
    AssessmentsState,
    ParticipantRow,
    SharedRow,
    StatusAction,
)
from ninevectors.state.results import ResultsState, VectorScore

SELECT_STYLE = {"height": "36px", "padding": "0 0.5em", "borderRadius": "6px", "width": "100%"}
STATUS_COLORS = {"draft": "gray", "in-progress": "blue", "completed": "green", "archived": "gray"}


def _status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, ("in-progress", "blue"), ("completed", "green"), "gray"),
        class_name="status-badge",
    )


def _labelled(label: str, html_for: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=html_for, style={"fontWeight": 500, "fontSize": "0.9em"}),
        control,
        spacing="1",
        width="100%",
    )


def _person_options(people: rx.Var) -> rx.Component:
    return rx.foreach(people, lambda p: rx.el.option(p.label, value=p.id))


# --- list and create ----------------------------------------------------------------------


def _type_option(value: str, label: str) -> rx.Component:
    """A type option; 360 reviews are offered disabled when the plan lacks them."""
    if value != "360-review":
        return rx.el.option(label, value=value)
    lacking = AssessmentsState.review_360_note != ""
    return rx.el.option(
        rx.cond(lacking, f"{label} ({REVIEW_360_PLAN} plan)", label), value=value, disabled=lacking
    )


def _plan_note() -> rx.Component:
    note = AssessmentsState.review_360_note
    return rx.cond(
        note != "",
        rx.text(note, " ", rx.link("See plans", href=Route.PRICING), size="2", id="plan-note"),
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            error_callout(AssessmentsState.create_error, "create-error"),
            _plan_note(),
            field("Name", "name", max_length=200),
            field("Description", "description", required=False, max_length=2000),
            rx.hstack(
                _labelled(
                    "Type",
                    "assessment-type",
                    rx.el.select(
                        *[_type_option(value, label) for value, label in TYPE_LABELS.items()],
                        name="type",
                        id="assessment-type",
                        style=SELECT_STYLE,
                    ),
                ),
                _labelled(
                    "Due date",
                    "assessment-due",
                    rx.el.input(
                        type="date",
                        name="due_date",
                        id="assessment-due",
                        style=SELECT_STYLE,
                    ),
                ),
                width="100%",
            ),
            _labelled(
                "Subject (360 review only)",
                "assessment-subject",
                rx.el.select(
                    rx.el.option("—", value=""),
                    _person_options(AssessmentsState.people),
                    name="subject_user_id",
                    id="assessment-subject",
                    style=SELECT_STYLE,
                ),
            ),
            rx.el.fieldset(
                rx.el.legend("Vectors to assess", style={"fontWeight": 500}),
                rx.grid(
                    *[
                        rx.el.label(
                            rx.el.input(
                                type="checkbox", name=f"vector_{v.id}", default_checked=True
                            ),
                            " ",
                            v.name,
                        )
                        for v in get_framework().vectors
                    ],
                    columns="3",
                    spacing="1",
                ),
                style={"border": "none", "padding": 0},
            ),
            rx.vstack(
                rx.el.label(
                    rx.el.input(type="checkbox", name="anonymous_responses"), " Anonymous responses"
                ),
                rx.el.label(
                    rx.el.input(type="checkbox", name="enable_ai_coaching", default_checked=True),
                    " AI coaching",
                ),
                rx.el.label(
                    rx.el.input(type="checkbox", name="enable_benchmarking"), " Benchmarking"
                ),
                spacing="1",
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                rx.button("Create", type="submit", id="create-assessment"),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=AssessmentsState.create,
        aria_label="New assessment",
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New assessment"),
            _create_form(),
            max_width="36em",
        ),
        open=AssessmentsState.create_open,
        on_open_change=AssessmentsState.set_create_open,
    )


def _assessment_row(row: AssessmentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(row.name, href="/assessments/" + row.id),
            rx.cond(
                row.shared,
                rx.fragment(
                    " · ",
                    rx.link(
                        "Dashboard",
                        href="/assessments/" + row.id + "/dashboard",
                        aria_label="Dashboard of " + row.name,
                        class_name="shared-dashboard-link",
                    ),
                ),
            ),
        ),
        rx.table.cell(row.type_label),
        rx.table.cell(_status_badge(row.status)),
        rx.table.cell(row.due_date),
        rx.table.cell(row.participants),
        rx.table.cell(row.completion),
        class_name="assessment-row",
    )


def assessment_list() -> rx.Component:
    state = AssessmentsState
    return app_shell(
        rx.hstack(
            rx.heading("Assessments", size="8", as_="h1"),
            rx.spacer(),
            rx.cond(
                state.can_create,
                rx.button("New assessment", on_click=state.open_create, id="new-assessment"),
            ),
            width="100%",
            align="center",
        ),
        error_callout(state.create_error),
        rx.hstack(
            rx.input(
                placeholder="Search assessments",
                on_change=state.set_search.debounce(300),
                aria_label="Search assessments",
                max_length=100,
            ),
            rx.el.select(
                rx.el.option("Any status", value=""),
                *[rx.el.option(s, value=s) for s in STATUS_COLORS],
                on_change=state.set_status_filter,
                aria_label="Filter by status",
                style={"height": "32px", "borderRadius": "6px"},
            ),
            padding_y="1em",
        ),
        rx.cond(
            state.rows.length() > 0,
            rx.table.root(
                table_header(("Name", "Type", "Status", "Due", "Participants", "Completed")),
                rx.table.body(rx.foreach(state.rows, _assessment_row)),
                width="100%",
            ),
            rx.card(
                rx.text(
                    "No assessments yet. ",
                    rx.cond(
                        state.can_create,
                        "Create one with “New assessment”.",
                        "Assessments you are invited to will appear here.",
                    ),
                ),
                id="no-assessments",
            ),
        ),
        pager(state.page, state.page_count, state.go_to_page),
        _create_dialog(),
    )


# --- one assessment -------------------------------------------------------------------------


def _participant_row(row: ParticipantRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium"), rx.text(row.email, size="1")),
        rx.table.cell(row.role),
        rx.table.cell(row.respondent_type),
        rx.table.cell(_status_badge(row.status)),
        rx.table.cell(
            rx.progress(value=row.progress, width="6em", aria_label="Progress of " + row.name)
        ),
        rx.table.cell(
            rx.cond(
                AssessmentDetailState.can_manage & (row.role != "owner"),
                rx.button(
                    "Remove",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=AssessmentDetailState.remove_participant(row.key),
                    aria_label="Remove " + row.name,
                ),
            )
        ),
        class_name="participant-row",
    )


def _add_participant_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            _labelled(
                "Person",
                "participant-user",
                rx.el.select(
                    rx.el.option("—", value=""),
                    rx.foreach(
                        AssessmentDetailState.people, lambda p: rx.el.option(p.label, value=p.id)
                    ),
                    name="user_id",
                    id="participant-user",
                    style=SELECT_STYLE,
                ),
            ),
            _labelled(
                "…or e-mail",
                "participant-email",
                rx.el.input(
                    type="email",
                    name="email",
                    id="participant-email",
                    style=SELECT_STYLE,
                    max_length=254,
                ),
            ),
            rx.cond(
                AssessmentDetailState.is_360,
                _labelled(
                    "Respondent",
                    "participant-type",
                    rx.el.select(
                        *[rx.el.option(t, value=t) for t in RESPONDENT_TYPES],
                        name="respondent_type",
                        id="participant-type",
                        style=SELECT_STYLE,
                    ),
                ),
            ),
            rx.button("Add", type="submit", id="add-participant"),
            align="end",
            width="100%",
        ),
        on_submit=AssessmentDetailState.add_participant,
        reset_on_submit=True,
        aria_label="Add a participant",
    )


def _shared_row(row: SharedRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.name, weight="medium"),
        rx.text(row.email, size="1", color=rx.color("gray", 10)),
        rx.spacer(),
        rx.button(
            "Stop sharing",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=AssessmentDetailState.stop_sharing(row.user_id),
            aria_label="Stop sharing with " + row.name,
        ),
        align="center",
        width="100%",
        class_name="shared-row",
    )


def _sharing_section() -> rx.Component:
    state = AssessmentDetailState
    return rx.vstack(
        rx.heading("Shared with", size="5", as_="h2", padding_top="1em"),
        rx.text(
            "People you share the results with see the dashboard's aggregates (under the same "
            "anonymity rules), not who took part.",
            size="2",
            color=rx.color("gray", 10),
        ),
        rx.card(
            rx.form(
                rx.hstack(
                    _labelled(
                        "Share the results with",
                        "share-user",
                        rx.el.select(
                            rx.el.option("—", value=""),
                            _person_options(state.share_options),
                            name="user_id",
                            id="share-user",
                            aria_label="Share the results with",
                            style=SELECT_STYLE,
                        ),
                    ),
                    rx.button("Share", type="submit", id="share-results"),
                    align="end",
                    width="100%",
                ),
                on_submit=state.share,
                reset_on_submit=True,
                aria_label="Share the results",
            ),
            width="100%",
        ),
        rx.cond(
            state.shared.length() > 0,
            rx.vstack(rx.foreach(state.shared, _shared_row), width="100%", id="shared-with"),
            rx.text("Not shared with anyone.", size="2", id="shared-with-nobody"),
        ),
        spacing="2",
        width="100%",
    )


def _status_button(action: StatusAction) -> rx.Component:
    return rx.button(
        action.label,
        on_click=AssessmentDetailState.change_status(action.status),
        variant="soft",
        class_name="status-action",
    )


def _archive_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Archive", variant="soft", color_scheme="red")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Archive this assessment?"),
            rx.alert_dialog.description(
                "Nobody can answer an archived assessment. Its results stay readable."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button("Archive", color_scheme="red", on_click=AssessmentDetailState.archive)
                ),
                justify="end",
                padding_top="1em",
            ),
        ),
    )


def _dashboard_link(id_: str) -> rx.Component:
    href = "/assessments/" + AssessmentDetailState.assessment_id.to(str) + "/dashboard"
    return link_button("Dashboard", href, variant="soft", id=id_)


def _my_actions() -> rx.Component:
    state = AssessmentDetailState
    take = "/assessments/" + state.assessment_id.to(str) + "/take"
    results = "/assessments/" + state.assessment_id.to(str) + "/results"
    return rx.cond(
        state.is_participant,
        rx.cond(
            state.my_status == "completed",
            link_button("View my results", results, id="view-results"),
            rx.cond(
                state.status == "in-progress",
                link_button(
                    rx.cond(state.my_status == "in-progress", "Continue", "Start"),
                    take,
                    id="take-assessment",
                ),
            ),
        ),
    )


def assessment_detail() -> rx.Component:
    state = AssessmentDetailState
    return app_shell(
        rx.cond(
            state.not_found != "",
            rx.callout(
                state.not_found,
                icon="triangle_alert",
                color_scheme="red",
                id="assessment-not-found",
            ),
            rx.vstack(
                rx.hstack(
                    rx.heading(state.name, size="8", as_="h1"),
                    _status_badge(state.status),
                    align="center",
                    wrap="wrap",
                ),
                rx.text(state.description, color=rx.color("gray", 11)),
                rx.text(
                    state.type_label,
                    " · round ",
                    state.round_number,
                    " · due ",
                    rx.cond(state.due_date != "", state.due_date, "—"),
                    rx.cond(state.anonymous, " · anonymous responses", ""),
                    size="2",
                    color=rx.color("gray", 10),
                ),
                rx.text(
                    "Vectors: ",
                    rx.foreach(
                        state.required_vectors, lambda v: rx.badge(v, margin_right="0.25em")
                    ),
                    size="2",
                ),
                rx.hstack(_my_actions(), wrap="wrap"),
                notice_callout(state.message),
                error_callout(state.error),
                rx.cond(
                    state.can_manage,
                    rx.hstack(
                        rx.foreach(state.actions, _status_button),
                        rx.cond(state.status != "archived", _archive_button()),
                        rx.button(
                            "Send reminders",
                            on_click=state.send_reminders,
                            variant="soft",
                            id="send-reminders",
                        ),
                        rx.button("Start next round", on_click=state.next_round, variant="soft"),
                        _dashboard_link("open-dashboard"),
                        wrap="wrap",
                    ),
                ),
                rx.cond(
                    state.is_shared & ~state.can_manage,
                    rx.hstack(
                        rx.text("The results are shared with you.", size="2"),
                        _dashboard_link("open-shared-dashboard"),
                        align="center",
                    ),
                ),
                rx.cond(
                    state.shows_people,
                    rx.vstack(
                        rx.heading("Participants", size="5", as_="h2", padding_top="1em"),
                        rx.cond(state.can_manage, rx.card(_add_participant_form(), width="100%")),
                        rx.table.root(
                            table_header(
                                ("Person", "Role", "Respondent", "Status", "Progress", "")
                            ),
                            rx.table.body(rx.foreach(state.participants, _participant_row)),
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                ),
                rx.cond(state.can_manage, _sharing_section()),
                spacing="3",
                width="100%",
            ),
        )
    )


# --- results --------------------------------------------------------------------------------


def _vector_score(row: VectorScore) -> rx.Component:
    return rx.hstack(
        rx.text(row.name, width="9em", weight="medium"),
        rx.box(
            rx.box(
                width=row.percent.to(str) + "%",
                height="100%",
                background=row.color,
                border_radius="4px",
            ),
            width="100%",
            height="14px",
            background=rx.color("gray", 3),
            border_radius="4px",
        ),
        rx.text(
            rx.cond(row.score != "", row.score, "n/a"),
            width="3.5em",
            text_align="right",
            class_name="vector-score",
        ),
        align="center",
        width="100%",
        class_name="vector-result",
        aria_label=row.name + " score " + row.score,
    )


def results() -> rx.Component:
    state = ResultsState
    return app_shell(
        rx.heading("Your results", size="8", as_="h1"),
        rx.text(state.assessment_name, color=rx.color("gray", 11)),
        error_callout(state.error),
        rx.cond(
            state.pending,
            rx.card(rx.text("You have not submitted this assessment yet."), id="results-pending"),
            rx.vstack(
                rx.hstack(
                    rx.text("Overall score", size="4"),
                    rx.heading(state.overall, size="7", id="overall-score"),
                    align="center",
                ),
                rx.foreach(state.vectors, _vector_score),
                rx.grid(
                    rx.card(
                        rx.heading("Strengths", size="4", as_="h2"),
                        rx.foreach(state.strengths, rx.text),
                        id="strengths",
                    ),
                    rx.card(
                        rx.heading("To improve", size="4", as_="h2"),
                        rx.foreach(state.improvements, rx.text),
                        id="improvements",
                    ),
                    columns="2",
                    spacing="3",
                    width="100%",
                ),
                coach_cards(),
                spacing="3",
                width="100%",
            ),
        ),
    )
