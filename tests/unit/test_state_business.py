"""The operator's business metrics page through Reflex's event machinery: the operator's
super admin sees the figures and the chart; an admin of the operator organization and a
super admin of another organization are not allowed and get no figures."""

from __future__ import annotations

from typing import Any

import pytest

from ninevectors.models.principal import Principal
from ninevectors.pages.business import business_page
from ninevectors.services.identity import auth, users
from ninevectors.services.identity.roles import Role
from ninevectors.services.identity.sessions import LoginResult
from ninevectors.settings import get_settings
from ninevectors.state.business import BusinessState
from tests.unit import test_identity_support as support
from tests.unit.test_state_support import Reflex, run

identity_env = support.identity_env


def super_admin_of(admin: LoginResult, email: str) -> LoginResult:
    boss = support.add_user(admin.principal, email, Role.MEMBER).principal
    promoter = Principal("system", admin.principal.organization_id, Role.SUPER_ADMIN.value)
    users.change_role(promoter, boss.user_id, Role.SUPER_ADMIN)
    return auth.login(email, support.PASSWORD)


@pytest.fixture
def operator_admin(identity_env: str, monkeypatch: pytest.MonkeyPatch) -> LoginResult:
    admin = support.sign_up("op@operator.example", "Operator Ltd")
    monkeypatch.setenv("NINEVECTORS_OPERATOR_ORGANIZATION_ID", admin.principal.organization_id)
    get_settings.cache_clear()
    return admin


def _seen(login: LoginResult) -> dict[str, Any]:
    async def scenario(reflex: Reflex) -> dict[str, Any]:
        browser = reflex.browser(login)
        answer = await browser.open("/admin/business", BusinessState.load)
        state = await browser.state(BusinessState)
        return {"errors": answer.errors, "allowed": state.allowed, "mrr": state.mrr,
                "months": len(state.months), "traces": len(state.chart.data),
                "nav": state.platform_operator}  # fmt: skip

    return run(scenario)


def test_the_operator_sees_the_figures_and_the_chart(operator_admin: LoginResult) -> None:
    seen = _seen(super_admin_of(operator_admin, "sam@operator.example"))
    assert seen == {
        "errors": [],
        "allowed": True,
        "mrr": "0.00 USD",
        "months": 12,
        "traces": 4,
        "nav": True,
    }


def test_an_admin_of_the_operator_organization_is_not_allowed(
    operator_admin: LoginResult,
) -> None:
    seen = _seen(operator_admin)
    assert seen == {
        "errors": [],
        "allowed": False,
        "mrr": "",
        "months": 0,
        "traces": 0,
        "nav": False,
    }


def test_a_super_admin_of_another_organization_is_not_allowed(
    operator_admin: LoginResult,
) -> None:
    other = support.sign_up("zed@zeta.example", "Zeta Ltd")
    seen = _seen(super_admin_of(other, "sue@zeta.example"))
    assert seen["allowed"] is False and seen["mrr"] == "" and seen["months"] == 0
    assert seen["nav"] is False


def test_the_page_builds() -> None:
    assert business_page() is not None
