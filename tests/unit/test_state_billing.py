"""The Billing page's state through Reflex's event machinery: billing off says so, a member
is not allowed, untrusted payloads change nothing, and the page builds."""

from __future__ import annotations

from typing import Any

from ninevectors.pages.billing import billing_page
from ninevectors.services.billing import entitlements
from ninevectors.services.identity import auth
from ninevectors.services.identity.roles import Role
from ninevectors.state.assessments import AssessmentsState
from ninevectors.state.auth_pages import SignUpState
from ninevectors.state.billing import BillingState
from tests.unit import test_identity_support as support
from tests.unit.test_state_support import Answer, Reflex, run

identity_env = support.identity_env


def _seen(state: BillingState) -> dict[str, Any]:
    return {"allowed": state.allowed, "plan": state.plan_label, "enabled": state.billing_enabled}


def test_an_admin_sees_the_plan_with_billing_off(identity_env: str) -> None:
    admin = support.sign_up()

    async def scenario(reflex: Reflex) -> tuple[Answer, dict[str, Any], list[str], Answer, str]:
        browser = reflex.browser(admin)
        answer = await browser.open("/admin/billing", BillingState.load)
        state = await browser.state(BillingState)
        seats = [f"{row.label}:{row.used}/{row.limit}" for row in state.usage]
        upgraded = await browser.send(BillingState.upgrade, plan="professional")
        after = await browser.state(BillingState)
        return answer, _seen(state), seats, upgraded, after.error

    answer, seen, seats, upgraded, error = run(scenario)
    assert answer.errors == [] and seen == {"allowed": True, "plan": "Starter", "enabled": False}
    assert "Seats:1/10" in seats
    assert upgraded.errors == [] and upgraded.events == [] and "Billing is off" in error


def test_a_member_is_not_allowed(identity_env: str) -> None:
    admin = support.sign_up()
    member = support.add_user(admin.principal, "mia@alpha.example", Role.MEMBER)

    async def scenario(reflex: Reflex) -> tuple[Answer, dict[str, Any], Answer, Answer]:
        browser = reflex.browser(member)
        answer = await browser.open("/admin/billing", BillingState.load)
        state = _seen(await browser.state(BillingState))
        upgrade = await browser.send(BillingState.upgrade, plan="enterprise")
        manage = await browser.send(BillingState.manage)
        return answer, state, upgrade, manage

    answer, state, upgrade, manage = run(scenario)
    assert answer.errors == [] and state == {"allowed": False, "plan": "", "enabled": False}
    assert upgrade.events == [] and manage.events == [] and upgrade.errors == []
    assert entitlements.subscription_row(admin.principal.organization_id) is None


def test_untrusted_payloads_change_nothing(identity_env: str) -> None:
    admin = support.sign_up()

    async def scenario(reflex: Reflex) -> list[Answer]:
        browser = reflex.browser(admin)
        await browser.open("/admin/billing", BillingState.load)
        answers = [await browser.send(BillingState.upgrade, plan=value) for value in
                   (["enterprise"], {"plan": 1}, None, 42)]  # fmt: skip
        answers.append(await browser.send(BillingState.set_interval, value=["yearly"]))
        return answers

    for answer in run(scenario):
        assert answer.errors == [] and answer.events == []


def test_the_new_assessment_form_says_which_plan_has_360_reviews(identity_env: str) -> None:
    starter = support.sign_up()
    professional = support.sign_up("pat@beta.example", "Beta Ltd", plan="professional")

    async def scenario(reflex: Reflex) -> list[str]:
        notes = []
        for login, token in ((starter, "starter"), (professional, "professional")):
            browser = reflex.browser(login, token=token)
            await browser.open("/assessments", AssessmentsState.load)
            await browser.send(AssessmentsState.open_create)
            notes.append((await browser.state(AssessmentsState)).review_360_note)
        return notes

    lacking, having = run(scenario)
    assert "part of the Professional and Enterprise plans" in lacking and having == ""


def test_the_page_builds() -> None:
    assert billing_page() is not None


def test_a_public_sign_up_cannot_choose_a_paid_plan(identity_env: str) -> None:
    form = {
        "organization_name": "Freeloader Ltd", "email": "fred@free.example",
        "password": support.PASSWORD, "first_name": "Fred", "last_name": "Free",
        "plan": "enterprise",
    }  # fmt: skip

    async def scenario(reflex: Reflex) -> Answer:
        return await reflex.browser().send(SignUpState.submit, form_data=form)

    answer = run(scenario)
    assert answer.errors == [] and answer.events  # on to the cookie route
    credential = auth.credential_by_email("fred@free.example")
    assert credential is not None
    assert entitlements.standing_of(credential.organization_id).plan == "starter"
