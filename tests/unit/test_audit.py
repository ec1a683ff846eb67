"""Audit log: secrets scrubbed, tenant scoping, filters, pagination, CSV, role checks."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog
from ninevectors.services import audit
from ninevectors.services.database import session_scope
from ninevectors.services.errors import Forbidden, ValidationFailed

pytestmark = pytest.mark.usefixtures("temp_database")

ADMIN_A = Principal("usr_a1", "org_a", "ORG_ADMIN", ip_address="10.0.0.1", user_agent="pytest")
MEMBER_A = Principal("usr_a2", "org_a", "MEMBER")
ADMIN_B = Principal("usr_b1", "org_b", "ORG_ADMIN")


def _stored() -> list[AuditLog]:
    with session_scope() as session:
        return list(session.exec(select(AuditLog)).all())


def test_record_takes_who_and_where_from_the_principal() -> None:
    audit.record("user.invited", "user", principal=ADMIN_A, resource_id="usr_x")
    [entry] = _stored()
    assert (entry.organization_id, entry.user_id) == ("org_a", "usr_a1")
    assert (entry.ip_address, entry.user_agent) == ("10.0.0.1", "pytest")
    assert entry.resource_id == "usr_x" and entry.severity == "info"
    assert entry.timestamp.tzinfo is not None


def test_record_without_principal_uses_the_given_organization() -> None:
    audit.record("auth.login_failed", "session", principal=None, organization_id="org_b")
    [entry] = _stored()
    assert entry.organization_id == "org_b" and entry.user_id is None


def test_secrets_in_details_are_never_stored() -> None:
    details = {
        "email": "a@example.com",
        "password": "hunter2",
        "nested": {"api_key": "sk-123", "items": [{"Authorization": "Bearer abc"}]},
        "reset_token": "tk-999",
        "client_secret": "cs-777",
    }
    audit.record("user.updated", "user", principal=ADMIN_A, details=details)
    [entry] = _stored()
    assert entry.details is not None
    for secret in ("hunter2", "sk-123", "Bearer abc", "tk-999", "cs-777"):
        assert secret not in entry.details
    stored = json.loads(entry.details)
    assert stored["email"] == "a@example.com"
    assert stored["password"] == audit.REDACTED
    assert stored["nested"]["api_key"] == audit.REDACTED
    assert stored["nested"]["items"][0]["Authorization"] == audit.REDACTED
    assert details["password"] == "hunter2"  # the caller's dict is left alone


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        audit.record("x", "y", principal=ADMIN_A, severity="fatal")
    assert error.value.field == "severity"
    assert _stored() == []


def test_each_admin_sees_only_their_own_organization() -> None:
    audit.record("a.one", "thing", principal=ADMIN_A)
    audit.record("a.two", "thing", principal=MEMBER_A)
    audit.record("b.one", "thing", principal=ADMIN_B)
    audit.record("system", "thing", principal=None)
    entries_a, total_a = audit.list_entries(ADMIN_A)
    entries_b, total_b = audit.list_entries(ADMIN_B)
    assert total_a == 2 and {e["action"] for e in entries_a} == {"a.one", "a.two"}
    assert total_b == 1 and [e["action"] for e in entries_b] == ["b.one"]


@pytest.mark.parametrize("role", ["MANAGER", "MEMBER", "VIEWER", "org_admin", ""])
def test_only_admins_may_read(role: str) -> None:
    reader = Principal("usr_1", "org_a", role)
    with pytest.raises(Forbidden):
        audit.list_entries(reader)
    with pytest.raises(PermissionError):
        audit.export_csv(reader)


def test_super_admin_reads_their_own_organization() -> None:
    audit.record("a.one", "thing", principal=ADMIN_A)
    audit.record("b.one", "thing", principal=ADMIN_B)
    entries, total = audit.list_entries(Principal("usr_s", "org_a", "SUPER_ADMIN"))
    assert total == 1 and entries[0]["action"] == "a.one"


def test_pagination_is_newest_first_with_a_total() -> None:
    for number in range(7):
        audit.record(f"event.{number}", "thing", principal=ADMIN_A)
    first, total = audit.list_entries(ADMIN_A, page=1, page_size=3)
    third, _ = audit.list_entries(ADMIN_A, page=3, page_size=3)
    beyond, _ = audit.list_entries(ADMIN_A, page=4, page_size=3)
    assert total == 7
    assert [e["action"] for e in first] == ["event.6", "event.5", "event.4"]
    assert [e["action"] for e in third] == ["event.0"]
    assert beyond == []


def _insert(action: str, when: datetime, user_id: str, severity: str = "info") -> None:
    entry = AuditLog(
        organization_id="org_a",
        user_id=user_id,
        action=action,
        resource="thing",
        timestamp=when,
        severity=severity,
    )
    with session_scope() as session:
        session.add(entry)


def test_filters_combine() -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    _insert("user.login", start, "usr_1")
    _insert("user.login", start + timedelta(days=1), "usr_2")
    _insert("user.logout", start + timedelta(days=2), "usr_1", severity="warning")
    _insert("user.login", start + timedelta(days=3), "usr_1", severity="error")

    def actions(**filters: object) -> list[str]:
        entries, total = audit.list_entries(ADMIN_A, **filters)  # type: ignore[arg-type]
        assert total == len(entries)
        return [f"{e['action']}@{e['timestamp'].day}" for e in entries]

    assert actions(action="user.login") == ["user.login@4", "user.login@2", "user.login@1"]
    assert actions(user_id="usr_2") == ["user.login@2"]
    assert actions(severity="warning") == ["user.logout@3"]
    assert actions(since=start + timedelta(days=1), until=start + timedelta(days=3)) == [
        "user.logout@3",
        "user.login@2",
    ]
    assert actions(action="user.login", user_id="usr_1", since=start + timedelta(hours=1)) == [
        "user.login@4"
    ]
    with pytest.raises(ValidationFailed):
        audit.list_entries(ADMIN_A, severity="loud")


def test_listed_entries_carry_parsed_details() -> None:
    audit.record("x", "y", principal=ADMIN_A, details={"count": 3})
    [entry], _ = audit.list_entries(ADMIN_A)
    assert entry["details"] == {"count": 3}
    assert entry["timestamp"].tzinfo is not None


def test_csv_export_is_filtered_scoped_and_defused() -> None:
    audit.record("a.one", "thing", principal=ADMIN_A, resource_id="=HYPERLINK(1)")
    audit.record("a.two", "thing", principal=ADMIN_A, details={"token": "t0p"})
    audit.record("b.one", "thing", principal=ADMIN_B)
    rows = list(csv.DictReader(io.StringIO(audit.export_csv(ADMIN_A))))
    assert [row["action"] for row in rows] == ["a.two", "a.one"]
    assert rows[1]["resource_id"] == "'=HYPERLINK(1)"
    assert "t0p" not in rows[0]["details"]
    assert rows[0]["organization_id"] == "org_a"
    only_one = list(csv.DictReader(io.StringIO(audit.export_csv(ADMIN_A, action="a.one"))))
    assert [row["action"] for row in only_one] == ["a.one"]


def test_anonymous_principal_leaves_organization_and_user_empty() -> None:
    anonymous = Principal("", "", "", ip_address="203.0.113.9")
    audit.record("auth.login_failed", "session", principal=anonymous, severity="warning")
    [entry] = _stored()
    assert (entry.organization_id, entry.user_id) == (None, None)
    assert entry.ip_address == "203.0.113.9"
