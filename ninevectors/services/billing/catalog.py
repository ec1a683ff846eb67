"""Products and Prices in the Stripe account, created when missing (``cli billing sync``).

Idempotent: each plan's Product has an id of ours (``ninevectors_professional``) and each
Price a ``lookup_key`` (``ninevectors_professional_monthly``); what exists is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import stripe

from ninevectors.services.billing import plans
from ninevectors.services.billing.plans import Interval, Plan
from ninevectors.services.billing.stripe_api import StripeUnavailable, call, client
from ninevectors.settings import get_settings


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)  # product ids and price lookup keys
    existing: list[str] = field(default_factory=list)


def _product_exists(api: stripe.StripeClient, product_id: str) -> bool:
    try:
        api.v1.products.retrieve(product_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return False
        raise StripeUnavailable(f"Could not read product {product_id}: {error}") from error
    except stripe.StripeError as error:
        raise StripeUnavailable(f"Could not read product {product_id}: {error}") from error
    return True


def _ensure_product(api: stripe.StripeClient, plan: Plan, report: SyncReport) -> None:
    product_id = plans.product_id(plan.name)
    if _product_exists(api, product_id):
        report.existing.append(product_id)
        return
    params: Any = {
        "id": product_id,
        "name": f"9Vectors {plan.label}",
        "metadata": {plans.PLAN_METADATA_KEY: plan.name},
    }
    call("create a product", api.v1.products.create, params)
    report.created.append(product_id)


def prices_by_lookup_key(api: stripe.StripeClient | None = None) -> dict[str, dict[str, Any]]:
    """Our active prices in the account, by lookup key."""
    api = api or client()
    keys = [plans.lookup_key(p.name, i) for p in plans.paid_plans() for i in plans.INTERVALS]
    params: Any = {"lookup_keys": keys, "active": True, "limit": 100}
    found = call("list prices", api.v1.prices.list, params)
    return {price["lookup_key"]: price for price in found.get("data", [])}


def _price_params(plan: Plan, interval: Interval) -> dict[str, Any]:
    return {
        "product": plans.product_id(plan.name),
        "currency": get_settings().billing_currency,
        "unit_amount": plans.price_cents(plan, interval),
        "recurring": {"interval": plans.STRIPE_INTERVAL[interval]},
        "lookup_key": plans.lookup_key(plan.name, interval),
        "nickname": f"{plan.label} ({interval})",
        "metadata": {plans.PLAN_METADATA_KEY: plan.name, "interval": interval},
    }


def sync_catalog() -> SyncReport:
    """Create the missing Products and Prices; running it again changes nothing."""
    api = client()
    report = SyncReport()
    for plan in plans.paid_plans():
        _ensure_product(api, plan, report)
    existing = prices_by_lookup_key(api)
    for plan in plans.paid_plans():
        for interval in plans.INTERVALS:
            key = plans.lookup_key(plan.name, interval)
            if key in existing:
                report.existing.append(key)
                continue
            params: Any = _price_params(plan, interval)
            call("create a price", api.v1.prices.create, params)
            report.created.append(key)
    return report
