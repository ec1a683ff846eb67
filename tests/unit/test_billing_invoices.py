"""An invoice as the Billing page shows it: amounts in the currency's units, Stripe's
status named for people, only web links."""

from __future__ import annotations

from ninevectors.services.billing.invoices import invoice_line


def test_an_invoice_line_formats_the_amount_date_and_status() -> None:
    line = invoice_line({
        "id": "in_1", "number": "NV-0001", "created": 1_780_000_000, "total": 29_900,
        "currency": "usd", "status": "open", "invoice_pdf": "https://pay.stripe.com/i/1/pdf",
        "hosted_invoice_url": "https://invoice.stripe.com/i/1",
    })  # fmt: skip
    assert (line.number, line.amount, line.status) == ("NV-0001", "299.00 USD", "Due")
    assert line.date == "2026-05-28" and line.pdf_url.endswith("/pdf")


def test_missing_or_odd_fields_show_safely() -> None:
    odd = {"invoice_pdf": "javascript:alert(1)", "hosted_invoice_url": None}
    line = invoice_line({"id": "in_2", "total": 500, "currency": "jpy", "status": "draft", **odd})
    assert (line.number, line.amount, line.status, line.date) == ("in_2", "500 JPY", "Draft", "")
    assert line.pdf_url == "" and line.hosted_url == ""
