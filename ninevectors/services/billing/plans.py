"""The plans, defined once: limits, quotas, features, Stripe Price lookup keys, trial days.

A leaf module: nothing here reads an organization. Entitlements (``entitlements.py``) is the
only place that decides what an organization's plan allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

PlanName = Literal["starter", "professional", "enterprise"]
Interval = Literal["monthly", "yearly"]
Feature = Literal["ai-coaching", "360-review", "benchmarking", "sso", "api-access"]
Quota = Literal["users", "assessments", "storage-gb", "api-calls", "ai-tokens"]

PLAN_NAMES: tuple[PlanName, ...] = get_args(PlanName)
INTERVALS: tuple[Interval, ...] = get_args(Interval)
FEATURES: tuple[Feature, ...] = get_args(Feature)
FREE_PLAN: PlanName = "starter"
GB = 1024**3
LOOKUP_PREFIX = "ninevectors"
PLAN_METADATA_KEY = "ninevectors_plan"
STRIPE_INTERVAL: dict[Interval, str] = {"monthly": "month", "yearly": "year"}

FEATURE_LABELS: dict[Feature, str] = {
    "ai-coaching": "AI coaching",
    "360-review": "360-reviews",
    "benchmarking": "Industry benchmarks",
    "sso": "Single sign-on",
    "api-access": "API access",
}


@dataclass(frozen=True)
class Plan:
    name: PlanName
    label: str
    max_users: int
    max_assessments: int
    storage_bytes: int
    api_calls: int  # per billing period (month)
    ai_tokens: int  # per billing period (month)
    features: tuple[Feature, ...]
    monthly_cents: int  # 0: free, no Stripe Price
    yearly_cents: int
    trial_days: int

    @property
    def storage_gb(self) -> float:
        return self.storage_bytes / GB

    @property
    def is_paid(self) -> bool:
        return self.monthly_cents > 0

    def quota(self, quota: Quota) -> float:
        return {
            "users": self.max_users,
            "assessments": self.max_assessments,
            "storage-gb": self.storage_gb,
            "api-calls": self.api_calls,
            "ai-tokens": self.ai_tokens,
        }[quota]


PLANS: dict[PlanName, Plan] = {
    "starter": Plan(
        "starter", "Starter", max_users=10, max_assessments=5, storage_bytes=1 * GB,
        api_calls=0, ai_tokens=200_000, features=("ai-coaching",),
        monthly_cents=0, yearly_cents=0, trial_days=0,
    ),
    "professional": Plan(
        "professional", "Professional", max_users=50, max_assessments=25, storage_bytes=25 * GB,
        api_calls=100_000, ai_tokens=2_000_000,
        features=("ai-coaching", "360-review", "api-access"),
        monthly_cents=29_900, yearly_cents=299_000, trial_days=14,
    ),
    "enterprise": Plan(
        "enterprise", "Enterprise", max_users=100, max_assessments=50, storage_bytes=250 * GB,
        api_calls=1_000_000, ai_tokens=10_000_000,
        features=("ai-coaching", "360-review", "benchmarking", "sso", "api-access"),
        monthly_cents=99_900, yearly_cents=999_000, trial_days=30,
    ),
}  # fmt: skip


def plan_of(name: str | None) -> Plan:
    """The plan called ``name``; anything unknown is the free plan."""
    return PLANS.get(name, PLANS[FREE_PLAN])  # type: ignore[arg-type]


def lookup_key(plan: PlanName, interval: Interval) -> str:
    """The Stripe Price ``lookup_key`` of a plan's price (``ninevectors_professional_monthly``)."""
    return f"{LOOKUP_PREFIX}_{plan}_{interval}"


def product_id(plan: PlanName) -> str:
    """The Stripe Product id we create for a plan (ids are ours to choose)."""
    return f"{LOOKUP_PREFIX}_{plan}"


def paid_plans() -> list[Plan]:
    return [plan for plan in PLANS.values() if plan.is_paid]


def price_cents(plan: Plan, interval: Interval) -> int:
    return plan.monthly_cents if interval == "monthly" else plan.yearly_cents


def plan_from_price(price: dict[str, object] | None) -> PlanName | None:
    """The plan a Stripe Price (or legacy Plan) object stands for: its metadata, else its
    lookup key; None for a price that is not one of ours."""
    if not price:
        return None
    metadata = price.get("metadata") or {}
    named = metadata.get(PLAN_METADATA_KEY) if isinstance(metadata, dict) else None
    if named in PLANS:
        return named  # type: ignore[return-value]
    key = str(price.get("lookup_key") or "")
    for plan in PLAN_NAMES:
        if key.startswith(f"{LOOKUP_PREFIX}_{plan}_"):
            return plan
    return None


def cheapest_with(feature: Feature) -> Plan | None:
    """The first plan (by price) that has ``feature``: what a disabled option names."""
    having = [plan for plan in PLANS.values() if feature in plan.features]
    return min(having, key=lambda plan: plan.monthly_cents) if having else None
