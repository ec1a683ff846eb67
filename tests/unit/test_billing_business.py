"""Business metrics for the platform operator: only a super admin of the operator
organization sees them, and they are aggregates (no other organization's id or name)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ninevectors.models.principal import Principal
from ninevectors.models.tables import Subscription
from ninevectors.services import audit, metering
from ninevectors.services.billing import business
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden
from ninevectors.services.identity import clock
from ninevectors.services.identity.roles import Role
from ninevectors.settings import get_settings
from tests.unit.test_identity_support import identity_env, sign_up  # noqa: F401

OTHER_NAME = "Zeta Customers Inc"


@pytest.fixture
def operator(identity_env: str, monkeypatch: pytest.MonkeyPatch) -> Principal:  # noqa: F811
    admin = sign_up("op@operator.example", "Operator Ltd").principal
    monkeypatch.setenv("NINEVECTORS_OPERATOR_ORGANIZATION_ID", admin.organization_id)
    get_settings.cache_clear()
    return Principal(admin.user_id, admin.organization_id, Role.SUPER_ADMIN.value)


def subscribe(organization_id: str, plan: str, status: str, days: int = 30) -> None:
    now = clock.utcnow()
    with session_scope() as db:
        db.add(Subscription(
            organization_id=organization_id, stripe_customer_id=f"cus_{organization_id}",
            stripe_price_id="price_x", plan=plan, status=status,
            current_period_start=now, current_period_end=now + timedelta(days=days),
        ))  # fmt: skip


def test_figures_are_aggregates_over_every_organization(operator: Principal) -> None:
    other = sign_up("zed@zeta.example", OTHER_NAME).principal
    third = sign_up("tia@theta.example", "Theta").principal
    fourth = sign_up("fay@phi.example", "Phi").principal
    subscribe(other.organization_id, "professional", "active")
    subscribe(third.organization_id, "enterprise", "active", days=365)  # yearly
    subscribe(fourth.organization_id, "professional", "trialing")
    metering.record_usage(other.organization_id, "ai-tokens", 1200, at=clock.utcnow())
    audit.record("document.uploaded", "document", principal=other, resource_id="doc_1")
    found = business.business_metrics(operator)
    assert found.mrr_cents == 29_900 + round(999_000 / 12)
    assert found.arr_cents == 12 * found.mrr_cents
    assert (found.active, found.trialing, found.past_due) == (2, 1, 0)
    assert found.organizations == 4 and found.churn_rate == 0.0
    month = found.months[-1]
    assert month.period == metering.billing_period_of(clock.utcnow())
    assert month.new_organizations == 4 and month.ai_tokens == 1200
    assert month.documents_processed == 1
    assert len(found.months) == business.MONTHS_SHOWN
    shown = repr(found)
    for secret in (other.organization_id, OTHER_NAME, "zed@zeta.example", "cus_"):
        assert secret not in shown


def test_a_cancelled_subscription_counts_as_churn(operator: Principal) -> None:
    other = sign_up("zed@zeta.example", OTHER_NAME).principal
    gone = sign_up("gus@gone.example", "Gone").principal
    subscribe(other.organization_id, "professional", "active")
    subscribe(gone.organization_id, "professional", "canceled")
    found = business.business_metrics(operator)
    assert found.churn_rate == pytest.approx(0.5) and found.months[-1].churned == 1
    assert found.mrr_cents == 29_900


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.MANAGER, Role.MEMBER, Role.VIEWER])
def test_other_roles_of_the_operator_organization_are_refused(
    operator: Principal, role: Role
) -> None:
    with pytest.raises(Forbidden):
        business.business_metrics(Principal("usr_x", operator.organization_id, role.value))


def test_a_super_admin_of_another_organization_is_refused(operator: Principal) -> None:
    other = sign_up("zed@zeta.example", OTHER_NAME).principal
    with pytest.raises(Forbidden):
        business.business_metrics(Principal(other.user_id, other.organization_id, "SUPER_ADMIN"))


def test_nobody_is_the_operator_by_default(identity_env: str) -> None:  # noqa: F811
    admin = sign_up().principal
    super_admin = Principal(admin.user_id, admin.organization_id, Role.SUPER_ADMIN.value)
    assert get_settings().operator_organization_id == ""
    assert not business.is_operator(super_admin)
    with pytest.raises(Forbidden):
        business.business_metrics(super_admin)


def test_periods_run_back_twelve_months() -> None:
    from datetime import UTC, datetime

    periods = business.recent_periods(datetime(2025, 2, 10, tzinfo=UTC))
    assert periods[0] == "2024-03" and periods[-1] == "2025-02" and len(periods) == 12
