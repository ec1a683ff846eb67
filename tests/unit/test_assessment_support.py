"""Fixtures and helpers shared by the assessment tests (imported by the other assessment tests).

``team`` is Alpha Ltd (starter plan: 5 assessments) with an admin, a manager, two members and a
viewer, on a fresh SQLite database + SQL store + memory cache, with the identity clock frozen
at 2026-03-01 09:00 UTC (``clock`` moves it). Users are written straight to the store (no
credentials) so the suite stays fast; tests that need log-ins use the identity helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from ninevectors.models.assessment import AssessmentItem
from ninevectors.models.principal import Principal
from ninevectors.models.tables import AuditLog, OutboxEmail
from ninevectors.services import assessments
from ninevectors.services.assessments import _common as c
from ninevectors.services.backends import get_store
from ninevectors.services.database import session_scope
from ninevectors.services.identity import users
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import Filter, Item, Query
from tests.unit import test_identity_support as support

identity_env = support.identity_env
fake_clock = support.fake_clock
FakeClock = support.FakeClock

DUE = "2026-03-20"  # 19 days after the frozen clock


@dataclass
class Team:
    admin: Principal
    manager: Principal
    alice: Principal
    bob: Principal
    viewer: Principal
    clock: support.FakeClock

    @property
    def org(self) -> str:
        return self.admin.organization_id


def make_user(
    admin: Principal, email: str, role: Role, first: str, last: str = "Tester"
) -> Principal:
    """A user of the admin's organization, stored directly; its principal."""
    user = users.build_user(admin.organization_id, email, first, last, role)
    get_store().create("users", user.to_item())
    return Principal(user.id, admin.organization_id, role.value, "127.0.0.1", "pytest")


def build_team(clock: support.FakeClock) -> Team:
    admin = support.sign_up(plan="enterprise").principal  # every feature; limits tested apart
    return Team(
        admin=admin,
        manager=make_user(admin, "max@alpha.example", Role.MANAGER, "Max", "Manager"),
        alice=make_user(admin, "alice@alpha.example", Role.MEMBER, "Alice", "Able"),
        bob=make_user(admin, "bob@alpha.example", Role.MEMBER, "Bob", "Baker"),
        viewer=make_user(admin, "vic@alpha.example", Role.VIEWER, "Vic", "Viewer"),
        clock=clock,
    )


@pytest.fixture
def team(identity_env: str, fake_clock: support.FakeClock) -> Team:
    return build_team(fake_clock)


def new_assessment(owner: Principal, **extra: Any) -> AssessmentItem:
    data = {"name": "Q1 Strategic Review", "description": "Quarterly review", "due_date": DUE}
    data.update(extra)
    return assessments.create_assessment(owner, data)


def running(team: Team, *members: Principal, **extra: Any) -> str:
    """An in-progress assessment owned by the manager with ``members`` added; its id."""
    created = new_assessment(team.manager, **extra)
    for member in members:
        assessments.add_participant(team.manager, created.id, {"user_id": member.user_id})
    assessments.change_status(team.manager, created.id, "in-progress")
    return created.id


def answer_all(
    principal: Principal, assessment_id: str, rating: int = 4, vectors: list[int] | None = None
) -> None:
    """Rate every theme of ``vectors`` (default: the assessment's required ones)."""
    view = assessments.open_response(principal, assessment_id)
    wanted = vectors or view.required_vectors
    for theme_id in view.answers:
        if int(theme_id.split(".")[0]) in wanted:
            assessments.save_answer(principal, assessment_id, theme_id, {"rating": rating})


def store_items(container: str, organization_id: str, **equals: Any) -> list[Item]:
    filters = tuple(Filter(k, "=", v) for k, v in equals.items())
    return get_store().query(container, organization_id, Query(filters=filters, limit=500)).items


def responses_of(assessment_id: str, organization_id: str) -> list[Item]:
    return store_items(c.RESPONSES, organization_id, assessmentId=assessment_id)


def snapshot(team: Team) -> dict[str, Any]:
    """The organization's assessments and responses without system fields (to assert that a
    refused call changed nothing)."""

    def clean(item: Item) -> Item:
        return {k: v for k, v in item.items() if not k.startswith("_")}

    return {
        container: sorted(
            (clean(i) for i in store_items(container, team.org)), key=lambda i: i["id"]
        )
        for container in (c.ASSESSMENTS, c.RESPONSES)
    }


def audit_actions(organization_id: str) -> list[str]:
    with session_scope() as db:
        rows = db.exec(
            select(AuditLog)
            .where(AuditLog.organization_id == organization_id)
            .order_by(col(AuditLog.log_id))
        ).all()
    return [row.action for row in rows]


def audit_rows(organization_id: str) -> list[AuditLog]:
    with session_scope() as db:
        return list(
            db.exec(select(AuditLog).where(AuditLog.organization_id == organization_id)).all()
        )


def outbox_to(address: str) -> list[OutboxEmail]:
    with session_scope() as db:
        return list(db.exec(select(OutboxEmail).where(OutboxEmail.to_address == address)).all())


def test_team_has_five_people_and_a_frozen_clock(team: Team) -> None:
    assert len({team.admin.user_id, team.manager.user_id, team.alice.user_id}) == 3
    assert team.clock().isoformat().startswith("2026-03-01")
    created = new_assessment(team.manager)
    assert created.status == "draft"
    assert audit_actions(team.org)[-1] == "assessment.created"
