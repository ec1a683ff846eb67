"""Entitlements: what a plan and the mirrored subscription's status allow (pure functions),
the plan by hand while billing is off, and the call sites that ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from ninevectors import cli
from ninevectors.models.tables import AuditLog, Subscription
from ninevectors.services import assessments
from ninevectors.services.billing import entitlements, mirror, plans
from ninevectors.services.billing.entitlements import Limits, Standing
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import invitations
from ninevectors.services.identity.roles import Role
from tests.unit.test_identity_support import identity_env, sign_up  # noqa: F401

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def standing(plan: plans.PlanName = "professional", status: str = "active", **extra: object):
    limits = plans.PLANS[plan]
    block = Limits(limits.max_users, limits.max_assessments, frozenset(limits.features))
    return Standing("org_x", plan, status, block, **extra)  # type: ignore[arg-type]


def test_each_plan_has_its_limits_features_and_lookup_keys() -> None:
    assert plans.PLANS["starter"].max_users == 10 and not plans.PLANS["starter"].is_paid
    assert "360-review" in plans.PLANS["professional"].features
    assert set(plans.FEATURES) <= set(plans.PLANS["enterprise"].features)
    assert plans.lookup_key("professional", "yearly") == "ninevectors_professional_yearly"
    assert plans.PLANS["professional"].trial_days == 14
    assert plans.cheapest_with("benchmarking").name == "enterprise"  # type: ignore[union-attr]
    price = {"lookup_key": "ninevectors_enterprise_monthly", "metadata": {}}
    assert plans.plan_from_price(price) == "enterprise"
    assert plans.plan_from_price({"lookup_key": "someone_elses"}) is None


def test_an_active_plan_allows_its_features_and_limits() -> None:
    pro = standing("professional")
    assert entitlements.allows(pro, "360-review", NOW)
    assert not entitlements.allows(pro, "benchmarking", NOW)
    assert entitlements.limit_of(pro, "assessments", NOW) == 25
    assert entitlements.remaining(pro, "users", 48, NOW) == 2
    assert entitlements.remaining(pro, "users", 60, NOW) == 0
    assert entitlements.limit_of(pro, "storage-gb", NOW) == 25


def test_past_due_has_seven_days_of_grace_then_read_only() -> None:
    since = NOW - timedelta(days=3)
    late = standing(status="past_due", past_due_since=since)
    assert entitlements.in_grace(late, NOW) and not entitlements.is_read_only(late, NOW)
    entitlements.require_new_work(late, "name", NOW)  # still fine
    after = NOW + timedelta(days=4, seconds=1)
    assert entitlements.is_read_only(late, after) and not entitlements.in_grace(late, after)
    with pytest.raises(ValidationFailed, match="overdue"):
        entitlements.require_new_work(late, "name", after)
    assert entitlements.allows(late, "360-review", after)  # features stay; only new work stops


def test_cancelled_falls_back_to_starter_at_period_end() -> None:
    end = NOW + timedelta(days=10)
    cancelling = standing(cancel_at_period_end=True, current_period_end=end)
    assert entitlements.allows(cancelling, "360-review", NOW)  # kept until the period ends
    assert entitlements.effective_plan(cancelling, NOW).name == "professional"
    assert not entitlements.allows(cancelling, "360-review", end)
    assert entitlements.limit_of(cancelling, "assessments", end) == 5
    ended = standing(status="canceled")
    assert entitlements.effective_plan(ended, NOW).name == "starter"
    with pytest.raises(ValidationFailed, match="part of the Professional and Enterprise plans"):
        entitlements.require_feature(ended, "360-review", "type", NOW)


def test_room_check_names_the_limit() -> None:
    starter = standing("starter")
    with pytest.raises(ValidationFailed) as caught:
        entitlements.require_room(
            starter, "assessments", 5, field="name", message="Only {limit:g} on {plan}.", now=NOW
        )
    assert caught.value.message == "Only 5 on starter." and caught.value.field == "name"


def test_feature_note_names_the_plans() -> None:
    assert entitlements.feature_note("benchmarking") == (
        "Industry benchmarks are part of the Enterprise plan"
    )


def test_super_admin_sets_a_plan_by_hand_when_billing_is_off(identity_env: str) -> None:  # noqa: F811
    admin = sign_up().principal
    with pytest.raises(ValidationFailed, match="part of the Professional"):
        assessments.create_assessment(
            admin, {"name": "Team 360", "type": "360-review", "subject_user_id": admin.user_id}
        )
    operator = type(admin)("user_op", admin.organization_id, Role.SUPER_ADMIN.value)
    assert mirror.set_plan_by_hand(operator, "professional") == "professional"
    created = assessments.create_assessment(
        admin, {"name": "Team 360", "type": "360-review", "subject_user_id": admin.user_id}
    )
    assert created.assessment_type == "360-review"
    with session_scope() as db:
        logged = db.exec(
            select(AuditLog).where(AuditLog.action == "billing.plan.set_by_hand")
        ).all()
    assert len(logged) == 1 and '"to": "professional"' in (logged[0].details or "")


def test_only_a_super_admin_sets_a_plan_by_hand(identity_env: str) -> None:  # noqa: F811
    admin = sign_up().principal
    with pytest.raises(Forbidden):
        mirror.set_plan_by_hand(admin, "enterprise")
    operator = type(admin)("user_op", admin.organization_id, Role.SUPER_ADMIN.value)
    with pytest.raises(ValidationFailed):
        mirror.set_plan_by_hand(operator, "platinum")
    with pytest.raises(NotFoundError):
        mirror.operator_set_plan("org_missing", "enterprise")
    assert cli.main(["billing", "set-plan", admin.organization_id, "enterprise"]) == 0
    assert entitlements.standing_of(admin.organization_id).plan == "enterprise"
    assert cli.main(["billing", "set-plan", "org_missing", "enterprise"]) == 1


def test_read_only_organization_cannot_invite_or_create(identity_env: str) -> None:  # noqa: F811
    admin = sign_up(plan="professional").principal
    long_ago = datetime.now(UTC) - timedelta(days=8)
    with session_scope() as db:
        db.add(Subscription(
            organization_id=admin.organization_id, stripe_customer_id="cus_x",
            stripe_price_id="price_x", plan="professional", status="past_due",
            past_due_since=long_ago,
        ))  # fmt: skip
    with pytest.raises(ValidationFailed, match="overdue"):
        invitations.invite(admin, "new@alpha.example", Role.MEMBER)
    with pytest.raises(ValidationFailed, match="overdue"):
        assessments.create_assessment(admin, {"name": "Q3"})


def test_the_coach_asks_for_its_feature_and_this_months_tokens(identity_env: str) -> None:  # noqa: F811
    from ninevectors.services import coach, metering
    from ninevectors.services.identity import _common as identity_common
    from ninevectors.services.store.base import PatchOperation

    admin = sign_up().principal
    session = coach.start_session(admin)
    metering.record_usage(admin.organization_id, "ai-tokens", 200_000)  # Starter's month
    with pytest.raises(ValidationFailed, match="AI coaching tokens"):
        coach.add_message(admin, session.id, "One more question")
    with pytest.raises(ValidationFailed, match="AI coaching tokens"):
        coach.start_session(admin)
    no_coach = [PatchOperation("set", "/settings/features", [])]  # a contract without it
    identity_common.store().patch(
        identity_common.ORGANIZATIONS, admin.organization_id, admin.organization_id, no_coach
    )
    with pytest.raises(ValidationFailed, match="AI coaching is part of"):
        coach.add_message(admin, session.id, "Still there?")
    conversation = coach.get_session(admin, session.id).conversation
    assert [m.role for m in conversation] == ["assistant"]  # the greeting; nothing was added
