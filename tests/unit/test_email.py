"""E-mail outbox without SMTP (the embedded default) and outbox listing."""

from __future__ import annotations

import pytest

from ninevectors.models.principal import Principal
from ninevectors.models.tables import OutboxEmail
from ninevectors.services import email
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, ValidationFailed
from ninevectors.settings import get_settings

pytestmark = pytest.mark.usefixtures("temp_database")

ADMIN_A = Principal("usr_a", "org_a", "ORG_ADMIN")
ADMIN_B = Principal("usr_b", "org_b", "SUPER_ADMIN")


def _row(outbox_id: str) -> OutboxEmail:
    with session_scope() as session:
        row = session.get(OutboxEmail, outbox_id)
        assert row is not None
        return row


def test_without_smtp_the_message_stays_queued() -> None:
    assert get_settings().smtp_host == ""
    outbox_id = email.send_email(
        "ann@example.com", "Welcome", "Hello Ann", html="<p>Hello Ann</p>", organization_id="org_a"
    )
    row = _row(outbox_id)
    assert row.status == "queued" and row.sent_at is None and row.error is None
    assert (row.to_address, row.subject, row.text_body) == (
        "ann@example.com",
        "Welcome",
        "Hello Ann",
    )
    assert row.html_body == "<p>Hello Ann</p>"
    assert row.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("to", "subject"),
    [("not-an-address", "Hi"), ("a@example.com\r\nBcc: x@evil.test", "Hi"),
     ("a@example.com", "Hi\nBcc: x@evil.test")],
)  # fmt: skip
def test_header_injection_and_bad_addresses_are_refused(to: str, subject: str) -> None:
    with pytest.raises(ValidationFailed):
        email.send_email(to, subject, "body")


def test_outbox_is_scoped_paginated_and_admin_only() -> None:
    for number in range(3):
        email.send_email(f"u{number}@example.com", f"Mail {number}", "x", organization_id="org_a")
    email.send_email("b@example.com", "For B", "x", organization_id="org_b")
    email.send_email("nobody@example.com", "System", "x")

    page, total = email.list_outbox(ADMIN_A, page=1, page_size=2)
    assert total == 3 and len(page) == 2
    rest, _ = email.list_outbox(ADMIN_A, page=2, page_size=2)
    assert {m["subject"] for m in page + rest} == {"Mail 0", "Mail 1", "Mail 2"}
    b_mail, b_total = email.list_outbox(ADMIN_B)
    assert b_total == 1 and b_mail[0]["subject"] == "For B"
    with pytest.raises(Forbidden):
        email.list_outbox(Principal("usr_m", "org_a", "MANAGER"))
