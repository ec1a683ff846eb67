"""Admin: the audit log, filtered and paginated, with CSV export; and the e-mail outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ninevectors.models.principal import Principal
from ninevectors.services import audit, email
from ninevectors.services.identity import roles
from ninevectors.state.session import SessionState, friendly_error

PAGE_SIZE = 50
SEVERITIES = ["info", "warning", "error", "critical"]


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


class AdminAuditState(SessionState):
    rows: list[AuditRow] = []
    total: int = 0
    page: int = 1
    action: str = ""
    severity: str = ""
    error: str = ""

    def _filters(self) -> dict[str, Any]:
        return {"action": self.action or None, "severity": self.severity or None}

    def _refresh(self, principal: Principal) -> None:
        entries, self.total = audit.list_entries(
            principal, page=self.page, page_size=PAGE_SIZE, **self._filters()
        )
        self.rows = [
            AuditRow(
                timestamp=_text(e.get("timestamp"))[:19].replace("T", " "),
                user_id=_text(e.get("user_id")),
                action=_text(e.get("action")),
                resource=_text(e.get("resource")),
                resource_id=_text(e.get("resource_id")),
                ip_address=_text(e.get("ip_address")),
                severity=_text(e.get("severity")),
                details=_text(e.get("details") or ""),
            )
            for e in entries
        ]

    def _principal_for_page(self) -> Principal | rx.event.EventSpec | None:
        outcome = self._authorize(roles.ORG_MANAGE)
        if isinstance(outcome, Principal) and not self.allowed:
            return None
        return outcome

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        self.page, self.error = 1, ""
        self._refresh(outcome)
        return None

    @rx.event
    def apply_filters(self, form_data: dict) -> rx.event.EventSpec | None:
        outcome = self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        data = form_data if isinstance(form_data, dict) else {}
        self.action = str(data.get("action", ""))[:100].strip()
        severity = str(data.get("severity", ""))
        self.severity = severity if severity in SEVERITIES else ""
        self.page = 1
        try:
            self._refresh(outcome)
            self.error = ""
        except Exception as error:  # noqa: BLE001
            self.error = friendly_error(error)
        return None

    @rx.event
    def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        outcome = self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        last = max(1, -(-self.total // PAGE_SIZE))
        if isinstance(page, int) and 1 <= page <= last:
            self.page = page
        self._refresh(outcome)
        return None

    @rx.event
    def export(self) -> rx.event.EventSpec | None:
        outcome = self._principal_for_page()
        if not isinstance(outcome, Principal):
            return outcome
        csv_text = audit.export_csv(outcome, **self._filters())
        return rx.download(data=csv_text, filename="audit-log.csv")

    @rx.var(cache=True)
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


class AdminOutboxState(SessionState):
    rows: list[OutboxRow] = []
    total: int = 0

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        outcome = self._authorize(roles.ORG_MANAGE)
        if not isinstance(outcome, Principal) or not self.allowed:
            return outcome
        entries, self.total = email.list_outbox(outcome, page=1, page_size=PAGE_SIZE)
        self.rows = [
            OutboxRow(
                id=_text(e.get("id")),
                created_at=_text(e.get("created_at"))[:19].replace("T", " "),
                to_address=_text(e.get("to_address")),
                subject=_text(e.get("subject")),
                status=_text(e.get("status")),
                text_body=_text(e.get("text_body")),
            )
            for e in entries
        ]
        return None
