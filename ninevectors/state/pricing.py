"""The public pricing page: the plans as defined once in ``services/billing/plans.py``.

The plans are constants, so the cards are built once at import; the state only adds who is
signed in, through ``SessionState`` (an admin sees "Upgrade" to the Billing page, a visitor
"Start free")."""

from __future__ import annotations

from pydantic import BaseModel

from ninevectors.services.billing import plans


class FeatureMark(BaseModel):
    label: str
    included: bool


class PlanCard(BaseModel):
    name: str
    label: str
    monthly: str
    yearly: str
    trial: str
    limits: list[str]
    features: list[FeatureMark]
    is_paid: bool


def _money(cents: int) -> str:
    return f"${cents / 100:,.0f}"


def _limits(plan: plans.Plan) -> list[str]:
    api_calls = f"{plan.api_calls:,} API calls a month" if plan.api_calls else "No API calls"
    return [
        f"Up to {plan.max_users:,} people",
        f"{plan.max_assessments:,} open assessments",
        f"{plan.storage_gb:,.0f} GB document storage",
        f"{plan.ai_tokens:,} AI coaching tokens a month",
        api_calls,
    ]


def plan_card(plan: plans.Plan) -> PlanCard:
    """What the pricing page shows of one plan."""
    free = not plan.is_paid
    return PlanCard(
        name=plan.name,
        label=plan.label,
        monthly="Free" if free else f"{_money(plan.monthly_cents)} a month",
        yearly="Free forever" if free else f"or {_money(plan.yearly_cents)} a year",
        trial=f"{plan.trial_days}-day free trial" if plan.trial_days else "No card needed",
        limits=_limits(plan),
        features=[
            FeatureMark(label=plans.FEATURE_LABELS[f], included=f in plan.features)
            for f in plans.FEATURES
        ],
        is_paid=plan.is_paid,
    )


PLAN_CARDS: list[PlanCard] = [plan_card(plan) for plan in plans.PLANS.values()]
