"""The admin pages' handlers, driven through Reflex's event processor: a non-admin gets the
"not allowed" page (never an exception, never data), and payloads of the wrong type or ids
of another organization get a clear message and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ninevectors.services.identity import organizations, sessions, users
from ninevectors.services.identity.roles import Role
from ninevectors.state.admin_audit import AdminAuditState, AdminOutboxState
from ninevectors.state.admin_organization import ADMINS_ONLY, AdminOrganizationState
from ninevectors.state.admin_users import AdminUsersState
from ninevectors.state.inputs import MALFORMED_FORM
from tests.unit import test_identity_support as support
from tests.unit.test_state_support import Answer, Reflex, run

identity_env = support.identity_env


def _alpha() -> tuple[support.LoginResult, support.LoginResult]:
    """Alpha's admin, and a manager of Alpha (invited, so there is an e-mail in the outbox)."""
    admin = support.sign_up()
    manager = support.add_user(admin.principal, "max@alpha.example", Role.MANAGER, "Max")
    return admin, manager


def test_the_outbox_is_not_shown_to_a_manager(identity_env: str) -> None:
    admin, manager = _alpha()

    async def scenario(reflex: Reflex) -> list[tuple[Answer, bool, int]]:
        seen = []
        for login, token in [(manager, "manager"), (admin, "admin")]:
            browser = reflex.browser(login, token=token)
            answer = await browser.open("/admin/outbox", AdminOutboxState.load)
            state = await browser.state(AdminOutboxState)
            seen.append((answer, state.allowed, len(state.rows)))
        return seen

    (refused, allowed, rows), (shown, admin_allowed, admin_rows) = run(scenario)
    assert refused.errors == [] and refused.events == []
    assert (allowed, rows) == (False, 0)
    assert shown.errors == [] and (admin_allowed, admin_rows > 0) == (True, True)


def _organization(state: AdminOrganizationState) -> dict[str, Any]:
    return {
        "allowed": state.allowed,
        "name": state.name,
        "message": state.message,
        "error": state.error,
    }


def test_organization_settings_refuse_a_manager(identity_env: str) -> None:
    admin, manager = _alpha()

    async def scenario(reflex: Reflex) -> list[tuple[Answer, dict[str, Any]]]:
        browser = reflex.browser(manager)
        results = []
        for send in (
            lambda: browser.open("/admin/organization", AdminOrganizationState.load),
            lambda: browser.send(AdminOrganizationState.save, form_data={"name": "Hacked"}),
        ):
            answer = await send()
            results.append((answer, _organization(await browser.state(AdminOrganizationState))))
        return results

    (loaded, on_load), (saved, on_save) = run(scenario)
    assert loaded.errors == [] and loaded.events == []
    assert on_load == {"allowed": False, "name": "", "message": "", "error": ""}
    assert saved.errors == [] and saved.events == []
    assert on_save == {"allowed": False, "name": "", "message": "", "error": ADMINS_ONLY}
    assert organizations.get_organization(admin.principal).name == "Alpha Ltd"


@pytest.mark.parametrize(
    ("form_data", "message"),
    [
        ("Alpha Group", MALFORMED_FORM),
        (None, MALFORMED_FORM),
        (["name", "Alpha Group"], MALFORMED_FORM),
        ({"name": {"first": "Alpha"}}, "name"),  # the service names the field to fix
        ({"name": "Alpha Group", "size": 42}, "size"),
        ({"name": "Alpha Group", "mfa_required": "sometimes"}, "Two-step sign-in requirement"),
        ({"name": "Alpha Group", "mfa_required": ["everyone"]}, "Two-step sign-in requirement"),
    ],
)
def test_wrong_organization_forms_change_nothing(
    identity_env: str, form_data: Any, message: str
) -> None:
    admin, _ = _alpha()

    async def scenario(reflex: Reflex) -> tuple[Answer, dict[str, Any]]:
        browser = reflex.browser(admin)
        await browser.open("/admin/organization", AdminOrganizationState.load)
        answer = await browser.send(AdminOrganizationState.save, form_data=form_data)
        return answer, _organization(await browser.state(AdminOrganizationState))

    answer, shown = run(scenario)
    assert answer.errors == []
    assert message.lower() in shown["error"].lower() and shown["message"] == ""
    assert shown["name"] == "Alpha Ltd"
    assert organizations.get_organization(admin.principal).name == "Alpha Ltd"


def test_an_admin_still_saves_the_organization(identity_env: str) -> None:
    admin, _ = _alpha()

    async def scenario(reflex: Reflex) -> tuple[Answer, dict[str, Any], str]:
        browser = reflex.browser(admin)
        await browser.open("/admin/organization", AdminOrganizationState.load)
        answer = await browser.send(
            AdminOrganizationState.save, form_data={"name": "Alpha Group", "size": ""}
        )
        state = await browser.state(AdminOrganizationState)
        return answer, _organization(state), state.organization_name

    answer, shown, header = run(scenario)
    assert answer.errors == []
    assert shown == {
        "allowed": True,
        "name": "Alpha Group",
        "message": "Organization settings saved.",
        "error": "",
    }
    assert header == "Alpha Group"
    assert organizations.get_organization(admin.principal).name == "Alpha Group"


def test_the_audit_log_refuses_a_manager(identity_env: str) -> None:
    _, manager = _alpha()

    async def scenario(reflex: Reflex) -> list[tuple[Answer, bool, int]]:
        browser = reflex.browser(manager)
        results = []
        for send in (
            lambda: browser.open("/admin/audit", AdminAuditState.load),
            lambda: browser.send(AdminAuditState.export),
            lambda: browser.send(AdminAuditState.apply_filters, form_data={"action": "user"}),
        ):
            answer = await send()
            state = await browser.state(AdminAuditState)
            results.append((answer, state.allowed, len(state.rows)))
        return results

    for answer, allowed, rows in run(scenario):
        assert answer.errors == [] and answer.events == []  # no CSV download either
        assert (allowed, rows) == (False, 0)


@pytest.mark.parametrize(
    ("handler", "payload", "message"),
    [
        ("apply_filters", {"form_data": "user.login"}, MALFORMED_FORM),
        ("apply_filters", {"form_data": {"action": ["user"]}}, "The action filter must be text"),
        ("apply_filters", {"form_data": {"severity": ["info"]}}, "Choose one of the offered"),
        ("apply_filters", {"form_data": {"severity": "fatal"}}, "Choose one of the offered"),
        ("go_to_page", {"page": "next"}, "That page does not exist."),
        ("go_to_page", {"page": 0}, "That page does not exist."),
    ],
)
def test_wrong_audit_filters_change_nothing(
    identity_env: str, handler: str, payload: dict[str, Any], message: str
) -> None:
    admin, _ = _alpha()

    async def scenario(reflex: Reflex) -> tuple[Answer, AdminAuditState, list[str]]:
        browser = reflex.browser(admin)
        await browser.open("/admin/audit", AdminAuditState.load)
        before = [r.action for r in (await browser.state(AdminAuditState)).rows]
        answer = await browser.send(getattr(AdminAuditState, handler), **payload)
        return answer, await browser.state(AdminAuditState), before

    answer, state, before = run(scenario)
    assert answer.errors == []
    assert state.error.startswith(message)
    assert (state.action, state.severity, state.page) == ("", "", 1)
    assert [r.action for r in state.rows] == before and before


USER_REFUSALS = [
    ("invite", {"form_data": "new@alpha.example"}, MALFORMED_FORM),
    ("invite", {"form_data": {"email": ["new@alpha.example"], "role": "MEMBER"}}, "Enter an"),
    ("change_role", {"user_id": None, "role": "ORG_ADMIN"}, "Choose a person of the list and"),
    ("change_role", {"user_id": "u1", "role": {"role": "ORG_ADMIN"}}, "Choose a person"),
    ("deactivate", {"user_id": {"id": "u1"}}, "Choose a person of the list to deactivate."),
    ("reactivate", {"user_id": 12}, "Choose a person of the list to reactivate."),
    ("revoke", {"invitation_id": None}, "Choose an invitation of the list to revoke."),
    ("reset_mfa", {"user_id": ["u1"]}, "Choose a person of the list."),
    ("reset_mfa", {"user_id": "x" * 500}, "Choose a person of the list."),
    ("sign_out_everywhere", {"user_id": None}, "Choose a person of the list."),
    ("set_search", {"value": ["max"]}, "The search must be text."),
    ("go_to_page", {"page": 2}, "That page does not exist."),
]


def test_wrong_payloads_to_the_people_page_change_nothing(identity_env: str) -> None:
    admin, manager = _alpha()
    before = users.list_users(admin.principal, {}).items

    async def scenario(reflex: Reflex) -> list[tuple[Answer, str, int]]:
        browser = reflex.browser(admin)
        await browser.open("/admin/users", AdminUsersState.load)
        results = []
        for handler, payload, _message in USER_REFUSALS:
            answer = await browser.send(getattr(AdminUsersState, handler), **payload)
            state = await browser.state(AdminUsersState)
            results.append((answer, state.error, len(state.rows)))
        return results

    for (handler, payload, message), (answer, error, rows) in zip(
        USER_REFUSALS, run(scenario), strict=True
    ):
        assert answer.errors == [], (handler, payload)
        assert error.startswith(message), (handler, payload, error)
        assert rows == 2
    assert users.list_users(admin.principal, {}).items == before


def test_people_of_another_organization_cannot_be_touched(identity_env: str) -> None:
    admin, _ = _alpha()
    beta = support.sign_up(email="eve@beta.example", org="Beta Ltd")
    beta_user = support.add_user(beta.principal, "bo@beta.example", Role.MEMBER, "Bo").principal

    async def scenario(reflex: Reflex) -> list[tuple[Answer, str, str]]:
        browser = reflex.browser(admin)
        await browser.open("/admin/users", AdminUsersState.load)
        results = []
        for handler, payload in [
            (AdminUsersState.deactivate, {"user_id": beta_user.user_id}),
            (AdminUsersState.change_role, {"user_id": beta_user.user_id, "role": "ORG_ADMIN"}),
            (AdminUsersState.reset_mfa, {"user_id": beta_user.user_id}),
            (AdminUsersState.sign_out_everywhere, {"user_id": beta_user.user_id}),
        ]:
            answer = await browser.send(handler, **payload)
            state = await browser.state(AdminUsersState)
            results.append((answer, state.error, state.message))
        return results

    for answer, error, message in run(scenario):
        assert answer.errors == [] and message == ""
        assert "not found" in error.lower()
    bo = users.get_current_user(beta_user)
    assert (bo.status, bo.role) == ("active", Role.MEMBER.value)
    assert sessions.active_session_count(beta_user.user_id) == 1  # not signed out
