"""The organization's Stripe invoices for the Billing page: number, date, amount, status and
Stripe's own PDF and hosted-page links (Stripe is the source of truth; nothing is stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ninevectors.models.principal import Principal
from ninevectors.services.billing import entitlements
from ninevectors.services.billing.stripe_api import billing_enabled, call, client
from ninevectors.services.identity import roles

SHOWN = 12
STATUS_LABELS = {
    "draft": "Draft",
    "open": "Due",
    "paid": "Paid",
    "uncollectible": "Uncollectible",
    "void": "Void",
}
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xof", "xaf"})


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    date: str  # YYYY-MM-DD
    amount: str  # "299.00 USD"
    status: str
    pdf_url: str  # "" when Stripe has none (a draft)
    hosted_url: str


def _amount(cents: object, currency: object) -> str:
    code = str(currency or "usd").lower()
    value = int(cents) if isinstance(cents, int) else 0
    shown = f"{value:,}" if code in ZERO_DECIMAL else f"{value / 100:,.2f}"
    return f"{shown} {code.upper()}"


def _link(value: object) -> str:
    """Only web links (Stripe's own pages); anything else is not shown."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else ""


def _date(value: object) -> str:
    if not isinstance(value, int):
        return ""
    return datetime.fromtimestamp(value, UTC).date().isoformat()


def invoice_line(invoice: dict[str, Any]) -> InvoiceLine:
    status = str(invoice.get("status") or "")
    return InvoiceLine(
        number=str(invoice.get("number") or invoice.get("id") or ""),
        date=_date(invoice.get("created")),
        amount=_amount(invoice.get("total", invoice.get("amount_due")), invoice.get("currency")),
        status=STATUS_LABELS.get(status, status.capitalize()),
        pdf_url=_link(invoice.get("invoice_pdf")),
        hosted_url=_link(invoice.get("hosted_invoice_url")),
    )


def list_invoices(principal: Principal) -> list[InvoiceLine]:
    """The organization's latest invoices, newest first ([] while billing is off or before
    the organization has a Stripe customer). Billing admins only."""
    roles.require(principal, roles.BILLING_MANAGE)
    row = entitlements.subscription_row(principal.organization_id)
    if not billing_enabled() or row is None:
        return []
    params: Any = {"customer": row.stripe_customer_id, "limit": SHOWN}
    found = call("list the invoices", client().v1.invoices.list, params)
    invoices = [item for item in found.get("data", []) if isinstance(item, dict)]
    invoices.sort(key=lambda item: item.get("created") or 0, reverse=True)
    return [invoice_line(item) for item in invoices]
