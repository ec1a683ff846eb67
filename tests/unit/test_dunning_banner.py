"""The dunning banner in the app shell: billing admins of a past-due organization see it on
every page (read once per page load), with the grace period's end, then read-only; members and
organizations in good standing see nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ninevectors.models.tables import Subscription
from ninevectors.services.billing import overview
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden
from ninevectors.services.identity.roles import Role
from ninevectors.state.assessments import AssessmentsState
from ninevectors.state.session import SessionState
from tests.unit import test_identity_support as support
from tests.unit.test_state_support import Reflex, run

identity_env = support.identity_env


def _past_due(organization_id: str, days_ago: float) -> datetime:
    since = datetime.now(UTC) - timedelta(days=days_ago)
    with session_scope() as db:
        db.add(Subscription(
            organization_id=organization_id, stripe_customer_id="cus_x",
            stripe_price_id="price_x", plan="professional", status="past_due",
            past_due_since=since,
        ))  # fmt: skip
    return since


def test_the_banner_names_the_end_of_the_grace_period_then_read_only(identity_env: str) -> None:
    admin = support.sign_up(plan="professional").principal
    other = support.sign_up("pat@beta.example", "Beta Ltd", plan="professional").principal
    assert overview.dunning_banner(admin) == overview.DunningBanner("", False)
    since = _past_due(admin.organization_id, days_ago=2)
    grace = overview.dunning_banner(admin)
    ends = (since + timedelta(days=7)).date().isoformat()
    assert grace.message == f"Payment failed — update your payment method by {ends}."
    assert not grace.read_only
    _past_due(other.organization_id, days_ago=8)
    late = overview.dunning_banner(other)
    assert late.read_only and "read-only for new work" in late.message
    member = support.add_user(admin, "mia@alpha.example", Role.MEMBER)
    with pytest.raises(Forbidden):
        overview.dunning_banner(member.principal)


def test_every_page_load_shows_the_banner_to_admins_only(identity_env: str) -> None:
    admin = support.sign_up(plan="professional")
    member = support.add_user(admin.principal, "mia@alpha.example", Role.MEMBER)
    _past_due(admin.principal.organization_id, days_ago=1)

    async def scenario(reflex: Reflex) -> list[tuple[str, list[str]]]:
        seen = []
        for login, token in ((admin, "admin"), (member, "member")):
            browser = reflex.browser(login, token=token)
            await browser.open("/assessments", AssessmentsState.load)
            answer = await browser.send(SessionState.load_billing_banner)
            seen.append(((await browser.state(SessionState)).billing_banner, answer.errors))
        return seen

    (admin_banner, admin_errors), (member_banner, member_errors) = run(scenario)
    assert admin_banner.startswith("Payment failed — update your payment method by ")
    assert member_banner == "" and admin_errors == [] and member_errors == []


def test_every_page_registers_the_banner_after_its_own_load() -> None:
    from ninevectors.ninevectors import _with_banner

    assert _with_banner(None) == [SessionState.load_billing_banner]
    own = AssessmentsState.load
    assert _with_banner([own]) == [own, SessionState.load_billing_banner]
