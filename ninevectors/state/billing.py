"""Admin: the organization's Billing page (plan, status, renewal, seats and usage against
quota, what each plan adds), with Upgrade → Stripe Checkout and Manage billing → the Portal."""

from __future__ import annotations

import json

import reflex as rx
from pydantic import BaseModel

from ninevectors.models.principal import Principal
from ninevectors.services.billing import checkout, invoices, overview, plans
from ninevectors.services.billing.stripe_api import StripeUnavailable
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles
from ninevectors.state.session import SessionState, friendly_error

CHECKOUT_RESULTS = {
    "done": "Thank you. Your new plan shows here as soon as Stripe confirms the payment.",
    "cancelled": "Checkout was cancelled; nothing changed.",
}


class UsageRow(BaseModel):
    label: str
    used: str
    limit: str
    percent: int


class FeatureRow(BaseModel):
    label: str
    included: bool
    plan_label: str


class InvoiceRow(BaseModel):
    number: str
    date: str
    amount: str
    status: str
    pdf_url: str
    hosted_url: str


class UpgradeOption(BaseModel):
    plan: str
    label: str


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def _usage_row(line: overview.UsageLine) -> UsageRow:
    percent = int(min(100, 100 * line.used / line.limit)) if line.limit else 100
    return UsageRow(
        label=line.label, used=_number(line.used), limit=_number(line.limit), percent=percent
    )


def _navigate(url: str) -> rx.event.EventSpec:
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class BillingState(SessionState):
    billing_enabled: bool = False
    plan_label: str = ""
    status: str = ""
    renewal: str = ""
    cancel_at_period_end: bool = False
    usage: list[UsageRow] = []
    features: list[FeatureRow] = []
    upgrades: list[UpgradeOption] = []
    invoices: list[InvoiceRow] = []
    invoices_error: str = ""
    interval: str = "monthly"
    message: str = ""
    error: str = ""

    def _show(self, figures: overview.BillingOverview) -> None:
        self.billing_enabled = figures.billing_enabled
        self.plan_label = figures.plan_label
        self.status = figures.status.replace("_", " ")
        self.renewal = figures.renewal
        self.cancel_at_period_end = figures.cancel_at_period_end
        self.usage = [_usage_row(line) for line in figures.usage]
        self.features = [FeatureRow(**vars(line)) for line in figures.features]
        self.upgrades = [
            UpgradeOption(plan=p, label=plans.PLANS[p].label) for p in figures.upgrades
        ]  # type: ignore[index]

    async def _billing_admin(self) -> Principal | rx.event.EventSpec | None:
        outcome = await self._authorize(roles.BILLING_MANAGE)
        if isinstance(outcome, Principal) and not self.allowed:
            return None  # the page says "not allowed"
        return outcome

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._billing_admin()
        if not isinstance(outcome, Principal):
            return outcome
        result = self.router.page.params.get("checkout", "")
        self.message = CHECKOUT_RESULTS.get(result if isinstance(result, str) else "", "")
        self.error = ""
        try:
            self._show(await run_blocking(overview.billing_overview, outcome))
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        await self._load_invoices(outcome)
        return None

    async def _load_invoices(self, principal: Principal) -> None:
        """Stripe's invoices (a network call, on page load only); a failure says so and
        leaves the rest of the page as it is."""
        self.invoices, self.invoices_error = [], ""
        if not self.billing_enabled:
            return
        try:
            found = await run_blocking(invoices.list_invoices, principal)
        except StripeUnavailable as error:
            self.invoices_error = str(error)
            return
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.invoices_error = friendly_error(error)
            return
        self.invoices = [InvoiceRow(**vars(line)) for line in found]

    @rx.event
    def set_interval(self, value: str) -> None:
        self.interval = value if value in plans.INTERVALS else "monthly"

    @rx.event
    async def upgrade(self, plan: str) -> rx.event.EventSpec | None:
        outcome = await self._billing_admin()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            url = await run_blocking(checkout.start_checkout, outcome, plan, self.interval)
        except StripeUnavailable as error:
            self.error = str(error)
            return None
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        return _navigate(url)

    @rx.event
    async def manage(self) -> rx.event.EventSpec | None:
        outcome = await self._billing_admin()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            url = await run_blocking(checkout.portal_url, outcome)
        except StripeUnavailable as error:
            self.error = str(error)
            return None
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        return _navigate(url)
