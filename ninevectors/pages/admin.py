"""Admin pages: users and invitations, organization settings, audit log, e-mail outbox.

Each page's state re-checks the session and the role on load; a signed-in person without the
permission sees "not allowed" and no data is loaded.
"""

from __future__ import annotations

import reflex as rx

from ninevectors.components.forms import error_callout, field, notice_callout, pager
from ninevectors.components.layout import guarded_shell
from ninevectors.components.tables import table_header
from ninevectors.state.admin_audit import (
    SEVERITIES,
    AdminAuditState,
    AdminOutboxState,
    AuditRow,
    OutboxRow,
)
from ninevectors.state.admin_organization import AdminOrganizationState
from ninevectors.state.admin_users import AdminUsersState, InvitationRow, UserRow
from ninevectors.state.session import SessionState

# --- users -----------------------------------------------------------------------------------


def _role_cell(row: UserRow) -> rx.Component:
    return rx.cond(
        row.manageable,
        rx.select.root(
            rx.select.trigger(aria_label="Role of " + row.email),
            rx.select.content(
                rx.foreach(
                    AdminUsersState.role_options,
                    lambda option: rx.select.item(option.label, value=option.value),
                )
            ),
            value=row.role,
            on_change=lambda role: AdminUsersState.change_role(row.id, role),
            size="1",
        ),
        rx.text(row.role_label),
    )


def _confirm_deactivate(row: UserRow) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Deactivate",
                color_scheme="red",
                variant="soft",
                size="1",
                aria_label="Deactivate " + row.email,
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Deactivate " + row.name + "?"),
            rx.alert_dialog.description(
                "They are signed out at once and cannot sign in until reactivated. "
                "Their answers and documents stay."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(
                        "Deactivate",
                        color_scheme="red",
                        on_click=AdminUsersState.deactivate(row.id),
                    ),
                ),
                justify="end",
                padding_top="1em",
            ),
        ),
    )


def _confirmed_action(
    label: str, row: UserRow, question: str, explanation: str, on_confirm: rx.EventSpec
) -> rx.Component:
    """A small button that asks before it acts (its accessible name names the person)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(label, variant="soft", size="1", aria_label=label + " for " + row.email),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(question + " " + row.name + "?"),
            rx.alert_dialog.description(explanation),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(rx.button(label, on_click=on_confirm)),
                justify="end",
                padding_top="1em",
            ),
        ),
    )


def _security_actions(row: UserRow) -> rx.Component:
    return rx.fragment(
        rx.cond(
            row.has_mfa,
            _confirmed_action(
                "Reset two-step sign-in",
                row,
                "Reset two-step sign-in of",
                "Their authenticator app and recovery codes stop working. They set up two-step "
                "sign-in again at their next sign-in where your organization requires it.",
                AdminUsersState.reset_mfa(row.id),
            ),
        ),
        _confirmed_action(
            "Sign out everywhere",
            row,
            "Sign out",
            "Every browser where they are signed in is signed out at once. They can sign in again.",
            AdminUsersState.sign_out_everywhere(row.id),
        ),
    )


def _user_actions(row: UserRow) -> rx.Component:
    return rx.cond(
        row.manageable,
        rx.hstack(
            rx.cond(
                row.status == "active",
                _confirm_deactivate(row),
                rx.button(
                    "Reactivate",
                    size="1",
                    variant="soft",
                    on_click=AdminUsersState.reactivate(row.id),
                ),
            ),
            rx.cond(row.status == "active", _security_actions(row)),
            spacing="2",
            wrap="wrap",
        ),
    )


def _user_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(row.email),
        rx.table.cell(_role_cell(row)),
        rx.table.cell(
            rx.badge(row.status, color_scheme=rx.cond(row.status == "active", "green", "gray"))
        ),
        rx.table.cell(_user_actions(row)),
        class_name="user-row",
    )


def _invitation_row(row: InvitationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.email),
        rx.table.cell(row.role_label),
        rx.table.cell(row.expires_at),
        rx.table.cell(
            rx.button(
                "Revoke",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=AdminUsersState.revoke(row.id),
                aria_label="Revoke invitation of " + row.email,
            )
        ),
        class_name="invitation-row",
    )


def _invite_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.box(
                field("E-mail to invite", "email", type="email", autocomplete="off"),
                flex="1",
                min_width="14em",
            ),
            rx.vstack(
                rx.el.label(
                    "Role", html_for="invite-role", style={"fontWeight": 500, "fontSize": "0.9em"}
                ),
                rx.el.select(
                    rx.foreach(
                        AdminUsersState.role_options,
                        lambda option: rx.el.option(option.label, value=option.value),
                    ),
                    name="role",
                    id="invite-role",
                    key=AdminUsersState.role_options.length(),
                    style={"height": "40px", "padding": "0 0.5em", "borderRadius": "6px"},
                ),
                spacing="1",
            ),
            rx.button("Send invitation", type="submit", size="3", id="invite-submit"),
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=AdminUsersState.invite,
        reset_on_submit=True,
        aria_label="Invite a person",
    )


def admin_users() -> rx.Component:
    return guarded_shell(
        AdminUsersState,
        rx.heading("People", size="8", as_="h1"),
        rx.text(
            AdminUsersState.total,
            " people in ",
            SessionState.organization_name,
            color=rx.color("gray", 11),
        ),
        rx.card(_invite_form(), width="100%", margin_y="1em"),
        notice_callout(AdminUsersState.message),
        error_callout(AdminUsersState.error),
        rx.input(
            placeholder="Search by name or e-mail",
            on_change=AdminUsersState.set_search.debounce(300),
            aria_label="Search people",
            max_length=100,
            margin_y="0.5em",
        ),
        rx.table.root(
            table_header(("Name", "E-mail", "Role", "Status", "")),
            rx.table.body(rx.foreach(AdminUsersState.rows, _user_row)),
            width="100%",
            aria_label="People of the organization",
        ),
        pager(AdminUsersState.page, AdminUsersState.page_count, AdminUsersState.go_to_page),
        rx.heading("Pending invitations", size="5", as_="h2", padding_top="1.5em"),
        rx.cond(
            AdminUsersState.pending.length() > 0,
            rx.table.root(
                table_header(("E-mail", "Role", "Expires", "")),
                rx.table.body(rx.foreach(AdminUsersState.pending, _invitation_row)),
                width="100%",
            ),
            rx.text("No pending invitations.", color=rx.color("gray", 10)),
        ),
    )


# --- organization ------------------------------------------------------------------------------


def admin_organization() -> rx.Component:
    state = AdminOrganizationState
    return guarded_shell(
        state,
        rx.heading("Organization settings", size="8", as_="h1"),
        rx.text("Plan: ", rx.text.strong(state.plan), color=rx.color("gray", 11)),
        rx.card(
            rx.form(
                rx.vstack(
                    notice_callout(state.message),
                    error_callout(state.error),
                    field("Organization name", "name", default_value=state.name, max_length=100),
                    field(
                        "Industry",
                        "industry",
                        default_value=state.industry,
                        required=False,
                        max_length=100,
                    ),
                    rx.vstack(
                        rx.el.label(
                            "Size",
                            html_for="org-size",
                            style={"fontWeight": 500, "fontSize": "0.9em"},
                        ),
                        rx.el.select(
                            rx.el.option("Not set", value=""),
                            *[
                                rx.el.option(s, value=s)
                                for s in (
                                    "1-10",
                                    "11-50",
                                    "51-200",
                                    "201-1000",
                                    "1001-5000",
                                    "5000+",
                                )
                            ],
                            name="size",
                            id="org-size",
                            default_value=state.size,
                            style={"height": "40px", "padding": "0 0.5em", "borderRadius": "6px"},
                        ),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.el.label(
                            "Brand colour",
                            html_for="org-color",
                            style={"fontWeight": 500, "fontSize": "0.9em"},
                        ),
                        rx.hstack(
                            rx.el.input(
                                type="color",
                                name="primary_color",
                                id="org-color",
                                default_value=state.color,
                                style={"width": "4em", "height": "40px"},
                            ),
                            rx.text(
                                "Used for the header and highlights.",
                                size="1",
                                color=rx.color("gray", 10),
                            ),
                            align="center",
                        ),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.el.label(
                            "Require two-step sign-in",
                            html_for="org-mfa",
                            style={"fontWeight": 500, "fontSize": "0.9em"},
                        ),
                        rx.el.select(
                            rx.el.option("No (each person chooses)", value="off"),
                            rx.el.option("For administrators", value="admins"),
                            rx.el.option("For everyone", value="everyone"),
                            name="mfa_required",
                            id="org-mfa",
                            default_value=state.mfa_required,
                            style={"height": "40px", "padding": "0 0.5em", "borderRadius": "6px"},
                        ),
                        rx.text(
                            "Applies at the next sign-in: people without it set it up first.",
                            size="1",
                            color=rx.color("gray", 10),
                        ),
                        spacing="1",
                    ),
                    rx.button("Save", type="submit", id="org-save"),
                    spacing="3",
                ),
                on_submit=state.save,
                key=state.name + state.color + state.mfa_required,
                aria_label="Organization settings",
            ),
            max_width="36em",
            margin_top="1em",
        ),
    )


# --- audit log and outbox --------------------------------------------------------------------


def _audit_row(row: AuditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.timestamp),
        rx.table.cell(rx.code(row.action)),
        rx.table.cell(row.resource, " ", row.resource_id),
        rx.table.cell(row.user_id),
        rx.table.cell(row.ip_address),
        rx.table.cell(rx.badge(row.severity)),
        rx.table.cell(rx.text(row.details, size="1", color=rx.color("gray", 11))),
        class_name="audit-row",
    )


def admin_audit() -> rx.Component:
    state = AdminAuditState
    return guarded_shell(
        state,
        rx.heading("Audit log", size="8", as_="h1"),
        rx.text("Every change people make, newest first.", color=rx.color("gray", 11)),
        rx.form(
            rx.hstack(
                rx.input(
                    name="action",
                    placeholder="Action, e.g. user.invited",
                    aria_label="Filter by action",
                    max_length=100,
                ),
                rx.el.select(
                    rx.el.option("Any severity", value=""),
                    *[rx.el.option(s, value=s) for s in SEVERITIES],
                    name="severity",
                    aria_label="Filter by severity",
                    style={"height": "32px", "borderRadius": "6px"},
                ),
                rx.button("Filter", type="submit", variant="soft"),
                rx.spacer(),
                rx.button(
                    rx.icon("download", size=16),
                    "Export CSV",
                    on_click=state.export,
                    type="button",
                    id="audit-export",
                ),
                wrap="wrap",
                width="100%",
                padding_y="1em",
            ),
            on_submit=state.apply_filters,
            aria_label="Filter the audit log",
        ),
        error_callout(state.error),
        rx.cond(
            state.rows.length() > 0,
            rx.table.root(
                table_header(
                    ("When (UTC)", "Action", "Resource", "User", "IP", "Severity", "Details")
                ),
                rx.table.body(rx.foreach(state.rows, _audit_row)),
                width="100%",
                size="1",
            ),
            rx.text("No entries match.", color=rx.color("gray", 10)),
        ),
        rx.text(state.total, " entries", size="2", color=rx.color("gray", 10)),
        pager(state.page, state.page_count, state.go_to_page),
    )


def _outbox_row(row: OutboxRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(row.subject, weight="bold"), rx.spacer(), rx.badge(row.status)),
            rx.text(
                "To ", row.to_address, " · ", row.created_at, size="1", color=rx.color("gray", 10)
            ),
            rx.el.pre(row.text_body, style={"whiteSpace": "pre-wrap", "fontSize": "0.85em"}),
            spacing="1",
        ),
        class_name="outbox-message",
        width="100%",
    )


def admin_outbox() -> rx.Component:
    return guarded_shell(
        AdminOutboxState,
        rx.heading("E-mail outbox", size="8", as_="h1"),
        rx.text(
            "Invitations and reminders your organization sent or would send. Without an SMTP "
            "server configured they stay here, so you can pass invitation links on yourself. "
            "Password reset links go to the person alone and are never shown here.",
            color=rx.color("gray", 11),
        ),
        rx.cond(
            AdminOutboxState.rows.length() > 0,
            rx.vstack(
                rx.foreach(AdminOutboxState.rows, _outbox_row), width="100%", padding_top="1em"
            ),
            rx.text("No messages yet.", color=rx.color("gray", 10), padding_top="1em"),
        ),
    )
