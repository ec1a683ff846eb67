"""E-mail through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from ninevectors.models.tables import OutboxEmail
from ninevectors.services import email
from ninevectors.services.database import session_scope
from ninevectors.settings import get_settings
from tests.servers import free_port

pytestmark = pytest.mark.usefixtures("temp_database")

USERNAME, PASSWORD = "mailer", "s3cret-pass"


class Inbox:
    """aiosmtpd handler keeping every received message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _use_smtp(monkeypatch: pytest.MonkeyPatch, port: int, **extra: str) -> None:
    monkeypatch.setenv("NINEVECTORS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NINEVECTORS_SMTP_PORT", str(port))
    monkeypatch.setenv("NINEVECTORS_SMTP_STARTTLS", "false")
    monkeypatch.setenv("NINEVECTORS_MAIL_FROM", "9Vectors <no-reply@9vectors.test>")
    for name, value in extra.items():
        monkeypatch.setenv(f"NINEVECTORS_{name.upper()}", value)
    get_settings.cache_clear()


def _row(outbox_id: str) -> OutboxEmail:
    with session_scope() as session:
        row = session.get(OutboxEmail, outbox_id)
        assert row is not None
        return row


def test_message_is_delivered_and_marked_sent(
    smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    _use_smtp(monkeypatch, port)
    outbox_id = email.send_email(
        "ann@example.com",
        "Your invitation",
        "Hello Ann, join us.",
        html="<p>Hello Ann, <b>join us</b>.</p>",
        organization_id="org_a",
    )
    [(recipients, message)] = inbox.messages
    assert recipients == ["ann@example.com"]
    assert message["Subject"] == "Your invitation"
    assert message["To"] == "ann@example.com"
    assert "no-reply@9vectors.test" in message["From"]
    assert message.get_body(("plain",)).get_content().strip() == "Hello Ann, join us."
    assert "<b>join us</b>" in message.get_body(("html",)).get_content()
    row = _row(outbox_id)
    assert row.status == "sent" and row.error is None
    assert row.sent_at is not None and row.sent_at.tzinfo is not None


def test_login_is_used_when_a_username_is_set(
    smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    _use_smtp(monkeypatch, port, smtp_username=USERNAME, smtp_password=PASSWORD)
    assert _row(email.send_email("bob@example.com", "Hi", "text")).status == "sent"
    assert len(inbox.messages) == 1


def test_wrong_password_is_recorded_as_failed(
    smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    _use_smtp(monkeypatch, port, smtp_username=USERNAME, smtp_password="wrong")
    row = _row(email.send_email("bob@example.com", "Hi", "text"))
    assert row.status == "failed" and "SMTPAuthenticationError" in (row.error or "")
    assert "wrong" not in (row.error or "")
    assert inbox.messages == []


def test_starttls_required_but_unsupported_fails(
    smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, port = smtp_server
    _use_smtp(monkeypatch, port, smtp_starttls="true")
    row = _row(email.send_email("bob@example.com", "Hi", "text"))
    assert row.status == "failed" and row.error


def test_unreachable_server_marks_the_message_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    _use_smtp(monkeypatch, free_port())  # nothing listens there
    outbox_id = email.send_email("ann@example.com", "Hi", "text", organization_id="org_a")
    row = _row(outbox_id)
    assert row.status == "failed" and row.sent_at is None
    assert "ConnectionRefusedError" in (row.error or "")
