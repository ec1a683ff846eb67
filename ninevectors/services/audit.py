"""The audit log: who did what, to which resource, from where. One row per event.

Details are scrubbed of secrets before they are stored; reading is for organization admins
and always limited to the reader's own organization.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ninevectors.models.principal import Principal
from ninevectors.models.tables import AUDIT_SEVERITIES, AuditLog
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, ValidationFailed

ADMIN_ROLES = frozenset({"ORG_ADMIN", "SUPER_ADMIN"})
SECRET_KEY_MARKERS = ("password", "token", "secret", "key", "authorization")
REDACTED = "[redacted]"
MAX_PAGE_SIZE = 500
MAX_EXPORT_ROWS = 100_000
CSV_COLUMNS = (
    "log_id", "timestamp", "organization_id", "user_id", "action", "resource",
    "resource_id", "ip_address", "user_agent", "severity", "details",
)  # fmt: skip


def require_admin(principal: Principal) -> None:
    """Raise ``Forbidden`` unless the principal administers its organization."""
    if principal.role not in ADMIN_ROLES:
        raise Forbidden("Only organization administrators can do this.")


def page_window(page: int, page_size: int) -> tuple[int, int]:
    """(offset, limit) for a 1-based page; the size is clamped to 1..MAX_PAGE_SIZE."""
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    return (max(1, page) - 1) * size, size


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every secret-looking key's value replaced, at any depth."""
    if isinstance(value, dict):
        return {key: REDACTED if _is_secret(key) else scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    return value


def _is_secret(key: object) -> bool:
    name = str(key).lower()
    return any(marker in name for marker in SECRET_KEY_MARKERS)


def _validate_severity(severity: str) -> None:
    if severity not in AUDIT_SEVERITIES:
        raise ValidationFailed(
            "severity", f"Severity must be one of {', '.join(AUDIT_SEVERITIES)}."
        )


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else value


def record(
    action: str,
    resource: str,
    *,
    principal: Principal | None,
    organization_id: str | None = None,
    resource_id: str | None = None,
    details: dict[str, Any] | None = None,
    severity: str = "info",
) -> None:
    """Write one audit entry.

    The organization is ``organization_id`` when given, else the principal's; user, IP address
    and user agent come from the principal. Secret-looking keys in ``details`` are redacted.
    """
    _validate_severity(severity)
    entry = AuditLog(
        organization_id=organization_id or (principal and principal.organization_id) or None,
        user_id=(principal and principal.user_id) or None,
        action=action[:100],
        resource=resource[:100],
        resource_id=_clip(resource_id, 100),
        ip_address=_clip(principal.ip_address, 45) if principal else None,
        user_agent=_clip(principal.user_agent, 500) if principal else None,
        details=json.dumps(scrub(details), default=str) if details else None,
        severity=severity,
    )
    with session_scope() as session:
        session.add(entry)


def _filtered(
    principal: Principal,
    action: str | None,
    user_id: str | None,
    since: datetime | None,
    until: datetime | None,
    severity: str | None,
) -> SelectOfScalar[AuditLog]:
    require_admin(principal)
    query = select(AuditLog).where(AuditLog.organization_id == principal.organization_id)
    if action:
        query = query.where(AuditLog.action == action)
    if user_id:
        query = query.where(AuditLog.user_id == user_id)
    if since:
        query = query.where(col(AuditLog.timestamp) >= since)
    if until:
        query = query.where(col(AuditLog.timestamp) < until)
    if severity:
        _validate_severity(severity)
        query = query.where(AuditLog.severity == severity)
    return query


def _newest_first(query: SelectOfScalar[AuditLog]) -> SelectOfScalar[AuditLog]:
    return query.order_by(col(AuditLog.timestamp).desc(), col(AuditLog.log_id).desc())


def _count(session: Session, query: SelectOfScalar[AuditLog]) -> int:
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def entry_dict(entry: AuditLog) -> dict[str, Any]:
    data = entry.model_dump()
    data["details"] = json.loads(entry.details) if entry.details else {}
    return data


def list_entries(
    principal: Principal,
    *,
    action: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    severity: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the principal's organization's entries, newest first, and the total count.

    ``since`` is inclusive, ``until`` exclusive. Admins only (``Forbidden`` otherwise).
    """
    query = _filtered(principal, action, user_id, since, until, severity)
    offset, limit = page_window(page, page_size)
    with session_scope() as session:
        total = _count(session, query)
        rows = session.exec(_newest_first(query).offset(offset).limit(limit)).all()
        return [entry_dict(row) for row in rows], total


def _csv_cell(value: Any) -> str:
    """Text for one cell; formula-like text is defused for spreadsheet programs."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(
    principal: Principal,
    *,
    action: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    severity: str | None = None,
) -> str:
    """The filtered entries (newest first, at most MAX_EXPORT_ROWS) as CSV text."""
    query = _filtered(principal, action, user_id, since, until, severity)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    with session_scope() as session:
        for row in session.exec(_newest_first(query).limit(MAX_EXPORT_ROWS)):
            data = row.model_dump()
            writer.writerow([_csv_cell(data[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()
