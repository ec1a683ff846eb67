"""Admin: the audit log, filtered and paginated, with CSV export; and the e-mail outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services import audit, email
from ninevectors.services.executor import run_blocking
from ninevectors.services.identity import roles
from ninevectors.state.inputs import MALFORMED_FORM, form_fields, text, whole_number
from ninevectors.state.session import SessionState, friendly_error

PAGE_SIZE = 50
SEVERITIES = ["info", "warning", "error", "critical"]
ACTION_FILTER_MAX = 100


@dataclass
class AuditRow:
    timestamp: str
    user_id: str
    action: str
    resource: str
    resource_id: str
    ip_address: str
    severity: str
    details: str


@dataclass
class OutboxRow:
    id: str
    created_at: str
    to_address: str
    subject: str
    status: str
    text_body: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _audit_row(entry: dict[str, Any]) -> AuditRow:
    return AuditRow(
        timestamp=_text(entry.get("timestamp"))[:19].replace("T", " "),
        user_id=_text(entry.get("user_id")),
        action=_text(entry.get("action")),
        resource=_text(entry.get("resource")),
        resource_id=_text(entry.get("resource_id")),
        ip_address=_text(entry.get("ip_address")),
        severity=_text(entry.get("severity")),
        details=_text(entry.get("details") or ""),
    )


def _outbox_row(entry: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        id=_text(entry.get("id")),
        created_at=_text(entry.get("created_at"))[:19].replace("T", " "),
        to_address=_text(entry.get("to_address")),
        subject=_text(entry.get("subject")),
        status=_text(entry.get("status")),
        text_body=_text(entry.get("text_body")),
    )


def _page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


class AdminAuditState(SessionState):
    rows: list[AuditRow] = []
    total: int = 0
    page: int = 1
    action: str = ""
    severity: str = ""
    error: str = ""

    def _filters(self) -> dict[str, Any]:
        return {"action": self.action or None, "severity": self.severity or None}

    async def _refresh(self, principal: Principal) -> None:
        try:
            entries, total = await run_blocking(
                audit.list_entries,
                principal,
                page=self.page,
                page_size=PAGE_SIZE,
                **self._filters(),
            )
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return
        self.rows, self.total, self.error = [_audit_row(e) for e in entries], total, ""

    async def _principal_for_page(self) -> Principal | rx.event.EventSpec | None:
        """The principal of an administrator, the redirect to return, or None when the
        person may not see the audit log (the page then says so)."""
        outcome = await self._authorize(roles.ORG_MANAGE)
        if isinstance(outcome, Principal) and not self.allowed:
            return None
        return outcome

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        self.page, self.error = 1, ""
        await self._refresh(outcome)
        return None

    @rx.event
    async def apply_filters(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = await self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_fields(form_data)
        if data is None:
            self.error = MALFORMED_FORM
            return None
        action = text(data.get("action", ""), ACTION_FILTER_MAX)
        if action is None:
            self.error = (
                f"The action filter must be text of at most {ACTION_FILTER_MAX} characters."
            )
            return None
        severity = data.get("severity", "")
        if severity != "" and severity not in SEVERITIES:
            self.error = "Choose one of the offered severities."
            return None
        self.action, self.severity, self.page = action.strip(), severity, 1
        await self._refresh(outcome)
        return None

    @rx.event
    async def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        outcome = await self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        number = whole_number(page)
        if number is None or not 1 <= number <= _page_count(self.total):
            self.error = "That page does not exist."
            return None
        self.page = number
        await self._refresh(outcome)
        return None

    @rx.event
    async def export(self) -> rx.event.EventSpec | None:
        outcome = await self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        try:
            csv_text = await run_blocking(audit.export_csv, outcome, **self._filters())
        except Exception as error:  # noqa: BLE001 — shown to the person
            self.error = friendly_error(error)
            return None
        self.error = ""
        return rx.download(data=csv_text, filename="audit-log.csv")

    @rx.var(cache=True)
    def page_count(self) -> int:
        return _page_count(self.total)


class AdminOutboxState(SessionState):
    rows: list[OutboxRow] = []
    total: int = 0
    error: str = ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        outcome = await self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal):
            return outcome
        self.rows, self.total, self.error = [], 0, ""
        if not self.allowed:
            return None  # the page says "not allowed"
        try:
            entries, total = await run_blocking(
                email.list_outbox, outcome, page=1, page_size=PAGE_SIZE
            )
        except Exception as error:  # noqa: BLE001 — kept for the page, never raised
            self.error = friendly_error(error)
            return None
        self.rows, self.total = [_outbox_row(e) for e in entries], total
        return None
