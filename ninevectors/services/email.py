"""Outgoing e-mail. Every message is kept in the outbox table; SMTP delivers when configured.

Without ``NINEVECTORS_SMTP_HOST`` (the embedded default) messages stay "queued": the outbox
is then the local mailbox. Admins read their organization's messages in the app (invitations,
reminders); messages to one person alone (password resets) carry no organization, so no admin
ever sees another person's reset link. The operator reads every message with
``python -m ninevectors.cli mailbox`` or at ``/dev/mailbox`` (outside production, from the
machine itself), and in development each message's links are printed to the server's output.
With SMTP messages become "sent" or "failed" (with the error); a delivery failure is logged
and recorded, never raised into the caller's flow.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import OutboxEmail, utcnow
from ninevectors.services.audit import page_window, require_admin
from ninevectors.services.database import session_scope
from ninevectors.services.errors import ValidationFailed
from ninevectors.settings import Settings, get_settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 15
IMPLICIT_TLS_PORT = 465


def _validate(to: str, subject: str) -> None:
    if any(char in to + subject for char in "\r\n"):
        raise ValidationFailed("to", "Recipient and subject must be a single line.")
    if "@" not in parseaddr(to)[1]:
        raise ValidationFailed("to", "Enter a valid e-mail address.")


def build_message(settings: Settings, row: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=row.id)
    message.set_content(row.text_body)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
    return message


def _connect(settings: Settings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.smtp_port == IMPLICIT_TLS_PORT:
        return smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    if settings.smtp_starttls:
        client.starttls(context=context)
    return client


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server (raises on failure)."""
    with _connect(settings) as client:
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        client.send_message(message)


def _mark(outbox_id: str, status: str, error: str | None = None) -> None:
    with session_scope() as session:
        row = session.get(OutboxEmail, outbox_id)
        if row is not None:
            row.status = status
            row.error = error
            row.sent_at = utcnow() if status == "sent" else None


def _try_deliver(settings: Settings, row: OutboxEmail) -> None:
    try:
        deliver(settings, build_message(settings, row))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail %s to %s failed: %s", row.id, row.to_address, exc)
        _mark(row.id, "failed", f"{type(exc).__name__}: {exc}"[:1000])
        return
    _mark(row.id, "sent")


def send_email(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    organization_id: str | None = None,
) -> str:
    """Record the message in the outbox, deliver it when SMTP is set up; returns the outbox id."""
    _validate(to, subject)
    row = OutboxEmail(
        organization_id=organization_id,
        to_address=to.strip(),
        subject=subject[:500],
        text_body=text,
        html_body=html,
    )
    with session_scope() as session:
        session.add(row)
    settings = get_settings()
    if settings.smtp_host:
        _try_deliver(settings, row)
    elif settings.environment == "development":
        _announce_locally(row)
    return row.id


_LINK = re.compile(r"https?://\S+")


def _announce_locally(row: OutboxEmail) -> None:
    """Development without SMTP: the message's links on the server's own output. Written
    straight to stderr, not logged: the log scrubber would (rightly) cut the token out of a
    reset link, and this line is for the operator at the console only."""
    links = " ".join(_LINK.findall(row.text_body)) or "(no link)"
    print(f"[mailbox] to {row.to_address}: {row.subject} -> {links}", file=sys.stderr, flush=True)


def mailbox(limit: int = 20, to: str | None = None) -> list[OutboxEmail]:
    """The newest messages of the whole installation (the operator's view: every organization
    and the personal ones), optionally only those to one address."""
    query = select(OutboxEmail)
    if to:
        query = query.where(func.lower(OutboxEmail.to_address) == to.strip().lower())
    newest = query.order_by(col(OutboxEmail.created_at).desc(), col(OutboxEmail.id).desc())
    with session_scope() as session:
        return list(session.exec(newest.limit(max(1, min(limit, 500)))).all())


def outbox_dict(row: OutboxEmail) -> dict[str, Any]:
    return row.model_dump()


def list_outbox(
    principal: Principal, page: int = 1, page_size: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """The principal's organization's outbox, newest first, and the total count (admins only)."""
    require_admin(principal)
    query = select(OutboxEmail).where(OutboxEmail.organization_id == principal.organization_id)
    offset, limit = page_window(page, page_size)
    newest = query.order_by(col(OutboxEmail.created_at).desc(), col(OutboxEmail.id).desc())
    with session_scope() as session:
        total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
        rows = session.exec(newest.offset(offset).limit(limit)).all()
        return [outbox_dict(row) for row in rows], total
