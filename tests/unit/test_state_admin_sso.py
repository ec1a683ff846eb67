"""The single sign-on admin page's state: only admins, the secret never sent to the page,
wrong payloads refused with a message and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import invitations, sso
from ninevectors.services.identity.roles import Role
from ninevectors.state.admin_sso import ADMINS_ONLY, UNKNOWN_PRESET, AdminSsoState
from ninevectors.state.auth_pages import AcceptInviteState
from ninevectors.state.inputs import MALFORMED_FORM
from tests.unit import test_identity_support as support
from tests.unit.test_state_support import Answer, Reflex, run

identity_env = support.identity_env
SECRET = "client-secret-never-shown-0123456789"


def _form(**changes: Any) -> dict[str, Any]:
    return {
        "issuer": "https://accounts.google.com",
        "client_id": "alpha-client",
        "client_secret": SECRET,
        "domains": "alpha.example, alpha-group.example",
        "jit_role": "MEMBER",
        "groups_claim": "groups",
        "group_roles": "9v-managers = MANAGER",
        **changes,
    }


def _shown(state: AdminSsoState) -> dict[str, Any]:
    return {
        "allowed": state.allowed,
        "configured": state.configured,
        "issuer": state.issuer,
        "secret_set": state.secret_set,
        "domains": state.domains,
        "message": state.message,
        "error": state.error,
    }


def test_an_admin_sets_up_sso_and_the_secret_stays_on_the_server(identity_env: str) -> None:
    admin = support.sign_up(plan="enterprise")

    async def scenario(reflex: Reflex) -> tuple[list[Answer], AdminSsoState]:
        browser = reflex.browser(admin)
        answers = [await browser.open("/admin/sso", AdminSsoState.load)]
        admin_id = (await browser.state(AdminSsoState)).admins[0].id
        form = _form(require_sso="on", **{f"break_glass:{admin_id}": "on"})
        answers.append(await browser.send(AdminSsoState.save, form_data=form))
        return answers, await browser.state(AdminSsoState)

    answers, state = run(scenario)
    assert [a.errors for a in answers] == [[], []]
    assert state.message == "Single sign-on saved." and state.error == ""
    assert state.secret_set and state.require_sso and state.admins[0].checked
    assert state.domains == "alpha-group.example\nalpha.example"
    assert state.group_roles == "9v-managers = MANAGER"
    assert state.callback_url.endswith("/auth/sso/callback")
    assert SECRET not in repr(state.dict())
    assert sso.hint_for_email("new@alpha.example").required


def test_a_manager_can_neither_see_nor_change_sso(identity_env: str) -> None:
    admin = support.sign_up(plan="enterprise")
    manager = support.add_user(admin.principal, "max@alpha.example", Role.MANAGER, "Max")

    async def scenario(reflex: Reflex) -> list[dict[str, Any]]:
        browser = reflex.browser(manager)
        await browser.open("/admin/sso", AdminSsoState.load)
        shown = [_shown(await browser.state(AdminSsoState))]
        await browser.send(AdminSsoState.save, form_data=_form())
        shown.append(_shown(await browser.state(AdminSsoState)))
        return shown

    loaded, saved = run(scenario)
    assert (loaded["allowed"], loaded["error"], loaded["configured"]) == (False, "", False)
    assert saved["error"] == ADMINS_ONLY
    assert sso.get_settings_of(admin.principal) is None


@pytest.mark.parametrize(
    ("form_data", "message"),
    [
        ("issuer=https://accounts.google.com", MALFORMED_FORM),
        (None, MALFORMED_FORM),
        (_form(issuer=["https://accounts.google.com"]), MALFORMED_FORM),
        (_form(domains={"alpha.example": True}), MALFORMED_FORM),
        (_form(issuer="http://accounts.google.com"), "Issuer: the issuer must be an https://"),
        (_form(domains="not a domain"), "E-mail domains:"),
        (_form(group_roles="9v-managers MANAGER"), "group = ROLE"),
        (_form(require_sso="on"), "break-glass admin"),
    ],
)
def test_wrong_sso_forms_change_nothing(identity_env: str, form_data: Any, message: str) -> None:
    admin = support.sign_up(plan="enterprise")

    async def scenario(reflex: Reflex) -> tuple[Answer, dict[str, Any]]:
        browser = reflex.browser(admin)
        await browser.open("/admin/sso", AdminSsoState.load)
        answer = await browser.send(AdminSsoState.save, form_data=form_data)
        return answer, _shown(await browser.state(AdminSsoState))

    answer, shown = run(scenario)
    assert answer.errors == []
    assert message in shown["error"] and shown["message"] == ""
    assert not shown["configured"]
    assert sso.get_settings_of(admin.principal) is None


@pytest.mark.parametrize(("key", "issuer", "error"), [
    ("google", "https://accounts.google.com", ""),
    ("okta", "", UNKNOWN_PRESET),
    ({"key": "google"}, "", UNKNOWN_PRESET),
])  # fmt: skip
def test_a_preset_fills_the_issuer(identity_env: str, key: Any, issuer: str, error: str) -> None:
    admin = support.sign_up(plan="enterprise")

    async def scenario(reflex: Reflex) -> AdminSsoState:
        browser = reflex.browser(admin)
        await browser.open("/admin/sso", AdminSsoState.load)
        await browser.send(AdminSsoState.use_preset, key=key)
        return await browser.state(AdminSsoState)

    state = run(scenario)
    assert (state.issuer, state.error) == (issuer, error)


def test_removing_sso_forgets_the_domains(identity_env: str) -> None:
    admin = support.sign_up(plan="enterprise")
    sso.save_settings(admin.principal, _form())

    async def scenario(reflex: Reflex) -> AdminSsoState:
        browser = reflex.browser(admin)
        await browser.open("/admin/sso", AdminSsoState.load)
        await browser.send(AdminSsoState.remove)
        return await browser.state(AdminSsoState)

    state = run(scenario)
    assert not state.configured and state.issuer == "" and state.error == ""
    assert not sso.hint_for_email("new@alpha.example").sso


def test_an_invitation_to_an_sso_domain_offers_join_with_sso(identity_env: str) -> None:
    admin = support.sign_up(plan="enterprise")
    admin_id = admin.principal.user_id
    sso.save_settings(
        admin.principal,
        _form(require_sso=True, break_glass_user_ids=[admin_id]),
    )
    invitations.invite(admin.principal, "newcomer@alpha.example", Role.MEMBER)
    token = support.last_link_token("newcomer@alpha.example", "accept-invite")

    async def scenario(reflex: Reflex) -> tuple[AcceptInviteState, Answer]:
        browser = reflex.browser()
        await browser.open("/accept-invite", AcceptInviteState.load, query={"token": token})
        joined = await browser.send(AcceptInviteState.join_with_sso)
        return await browser.state(AcceptInviteState), joined

    state, joined = run(scenario)
    assert joined.errors == [] and joined.names() == ["_call_script"]
    assert state.sso_available and state.sso_required
    assert state.sso_url == f"/auth/sso/start?invitation={token}"
    with pytest.raises(ValidationFailed, match="Join with SSO"):
        invitations.accept_invitation(token, "Nia", "New", support.PASSWORD)


def test_a_plan_without_sso_says_so_before_the_form_and_saving_changes_nothing(
    identity_env: str,
) -> None:
    admin = support.sign_up()  # the free Starter plan

    async def scenario(reflex: Reflex) -> tuple[str, Answer, AdminSsoState]:
        browser = reflex.browser(admin)
        await browser.open("/admin/sso", AdminSsoState.load)
        note = (await browser.state(AdminSsoState)).plan_note
        saved = await browser.send(AdminSsoState.save, form_data=_form())
        return note, saved, await browser.state(AdminSsoState)

    note, saved, state = run(scenario)
    assert note == "Single sign-on is part of the Enterprise plan."
    assert saved.errors == [] and "Enterprise plan" in state.error and not state.configured
    assert sso.get_settings_of(admin.principal) is None
