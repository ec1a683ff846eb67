"""Tenant isolation: every service entry point that takes a principal, called as an admin of
organization A with organization B's ids, answers "not found"/"forbidden" or with nothing of B,
and leaves B's data as it was.

Entry points are discovered by introspection (every public function whose first parameter is
``principal`` in the identity, assessments, audit and e-mail modules); ``CALLS`` says how to
call each one, and the test fails when a discovered function has no entry, so a new entry
point cannot slip in untested. Runs on the SQL document store (SQLite) with the memory and
Redis caches.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pyotp
import pytest
import redis
from sqlmodel import select

import ninevectors.services.analytics as analytics_package
import ninevectors.services.assessments as assessments_package
import ninevectors.services.billing as billing_package
import ninevectors.services.coach as coach_package
import ninevectors.services.identity as identity_package
import ninevectors.services.reports as reports_package
from ninevectors.models.assessment import AssessmentItem
from ninevectors.models.principal import Principal
from ninevectors.models.tables import (
    AuditLog,
    OneTimeToken,
    OutboxEmail,
    UserCredential,
    UserMfa,
    UserSession,
)
from ninevectors.services import analytics, assessments, audit, coach, documents, reports
from ninevectors.services import email as mail
from ninevectors.services.analytics import benchmarks_service
from ninevectors.services.analytics import dashboard as analytics_dashboard
from ninevectors.services.assessments import answers
from ninevectors.services.backends import get_store, reset_backends
from ninevectors.services.billing import business as billing_business
from ninevectors.services.billing import checkout as billing_checkout
from ninevectors.services.billing import invoices as billing_invoices
from ninevectors.services.billing import mirror as billing_mirror
from ninevectors.services.billing import overview as billing_overview
from ninevectors.services.database import session_scope
from ninevectors.services.documents import evidence as documents_evidence
from ninevectors.services.documents import library as documents_library
from ninevectors.services.documents import queue as documents_queue
from ninevectors.services.documents import search as documents_search
from ninevectors.services.errors import Forbidden, NotFoundError, ValidationFailed
from ninevectors.services.identity import (
    account_sessions,
    auth,
    invitations,
    mfa,
    organizations,
    passwords,
    roles,
    sessions,
    sso,
    users,
)
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import Filter, Query
from ninevectors.settings import get_settings
from tests.unit.test_identity_support import CHEAP_HASHER, PASSWORD, add_user, sign_up, token_of

B_ORG_NAME = "Beta Secret Project"
B_ASSESSMENT_NAME = "Beta Confidential Review"
B_NOTE = "beta-only-note"


@dataclass
class TenantB:
    org_id: str
    admin_id: str
    member_id: str
    member_email: str
    invitation_id: str
    assessment_id: str

    def markers(self) -> list[str]:
        """Strings that must never appear in what organization A is shown."""
        return [
            self.org_id, self.admin_id, self.member_id, self.member_email, self.invitation_id,
            "bob@beta.example", "guest@beta.example", B_ORG_NAME,
            self.assessment_id, B_ASSESSMENT_NAME, B_NOTE, "invitee@beta.example",
        ]  # fmt: skip

    def assessment(self) -> AssessmentItem:
        return AssessmentItem.model_validate(
            get_store().get("assessments", self.org_id, self.assessment_id)
        )


def _modules() -> list[ModuleType]:
    found = [
        importlib.import_module(f"{identity_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(identity_package.__path__)
    ]
    mine = [
        importlib.import_module(f"{assessments_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(assessments_package.__path__)
        if not info.name.startswith("_")
    ]
    coaching = [
        importlib.import_module(f"{coach_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(coach_package.__path__)
    ]
    insight = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (analytics_package, reports_package)
        for info in pkgutil.iter_modules(package.__path__)
    ]
    billing = [
        importlib.import_module(f"{billing_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(billing_package.__path__)
    ]
    return [*found, *mine, *coaching, *insight, audit, mail, *DOCUMENT_MODULES, *billing]


DOCUMENT_MODULES = [documents_library, documents_search, documents_evidence, documents_queue]


def discover_principal_functions() -> dict[str, Callable[..., Any]]:
    """``module.function`` → function, for every public function taking ``principal`` first."""
    discovered: dict[str, Callable[..., Any]] = {}
    for module in _modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters and parameters[0] == "principal":
                short = module.__name__.rsplit(".", 1)[-1]
                discovered[f"{short}.{name}"] = function
    return discovered


Call = Callable[[Principal, TenantB], Any]

CALLS: dict[str, Call] = {
    "roles.require": lambda p, b: roles.require(p, roles.USERS_MANAGE),
    "organizations.get_organization": lambda p, b: organizations.get_organization(p, b.org_id),
    "organizations.update_organization": lambda p, b: organizations.update_organization(
        p, {"name": "Alpha Renamed", "primary_color": "#123456"}
    ),
    "users.list_users": lambda p, b: users.list_users(p, {"search": "beta"}),
    "users.get_user": lambda p, b: users.get_user(p, b.member_id),
    "users.get_current_user": lambda p, b: users.get_current_user(p),
    "users.update_profile": lambda p, b: users.update_profile(p, {"title": "Chief"}),
    "users.update_preferences": lambda p, b: users.update_preferences(p, {"language": "de"}),
    "users.change_role": lambda p, b: users.change_role(p, b.member_id, Role.VIEWER),
    "users.deactivate_user": lambda p, b: users.deactivate_user(p, b.member_id),
    "users.reactivate_user": lambda p, b: users.reactivate_user(p, b.member_id),
    "invitations.invite": lambda p, b: invitations.invite(p, b.member_email, Role.MEMBER),
    "invitations.list_invitations": lambda p, b: invitations.list_invitations(p, True),
    "invitations.revoke_invitation": lambda p, b: invitations.revoke_invitation(p, b.invitation_id),
    "auth.change_password": lambda p, b: auth.change_password(
        p, {"current_password": PASSWORD, "new_password": PASSWORD}
    ),
    "audit.require_admin": lambda p, b: audit.require_admin(p),
    "audit.list_entries": lambda p, b: (
        audit.list_entries(p, user_id=b.admin_id),
        audit.list_entries(p, page_size=500),
    ),
    "audit.export_csv": lambda p, b: (
        audit.export_csv(p, user_id=b.member_id),
        audit.export_csv(p),
    ),
    "email.list_outbox": lambda p, b: mail.list_outbox(p, page_size=500),
    "sso.get_settings_of": lambda p, b: sso.get_settings_of(p),
    "sso.save_settings": lambda p, b: sso.save_settings(
        p,
        {
            "issuer": "https://idp.alpha.example",
            "client_id": "alpha",
            "client_secret": "s",
            "domains": "alpha-sso.example",
            "break_glass_user_ids": b.admin_id,
        },
    ),
    "sso.remove_settings": lambda p, b: sso.remove_settings(p),
    # assessments
    "assessments.can_manage": lambda p, b: assessments.can_manage(p, b.assessment()),
    "assessments.create_assessment": lambda p, b: assessments.create_assessment(
        p, {"name": "A's own", "type": "360-review", "subject_user_id": b.member_id}
    ),
    "assessments.get_assessment": lambda p, b: assessments.get_assessment(p, b.assessment_id),
    "assessments.list_assessments": lambda p, b: (
        assessments.list_assessments(p, {"search": "Beta"}),
        assessments.list_assessments(p, {"page_size": 100}),
    ),
    "assessments.update_assessment": lambda p, b: assessments.update_assessment(
        p, b.assessment_id, {"name": "Taken over"}
    ),
    "assessments.change_status": lambda p, b: assessments.change_status(
        p, b.assessment_id, "archived"
    ),
    "assessments.start_next_round": lambda p, b: assessments.start_next_round(p, b.assessment_id),
    "participants.add_participant": lambda p, b: assessments.add_participant(
        p, b.assessment_id, {"user_id": p.user_id}
    ),
    "participants.remove_participant": lambda p, b: assessments.remove_participant(
        p, b.assessment_id, b.assessment().participants[-1].key
    ),
    "participants.list_participants": lambda p, b: assessments.list_participants(
        p, b.assessment_id
    ),
    "participants.claim_pending_participations": lambda p, b: (
        assessments.claim_pending_participations(p)
    ),
    "sharing.share_assessment": lambda p, b: assessments.share_assessment(
        p, b.assessment_id, p.user_id
    ),
    "sharing.unshare_assessment": lambda p, b: assessments.unshare_assessment(
        p, b.assessment_id, b.member_id
    ),
    "sharing.list_shared_with": lambda p, b: assessments.list_shared_with(p, b.assessment_id),
    "reminders.send_reminders": lambda p, b: assessments.send_reminders(p, b.assessment_id),
    "presence.touch_presence": lambda p, b: assessments.touch_presence(p, b.assessment_id),
    "presence.leave_presence": lambda p, b: assessments.leave_presence(p, b.assessment_id),
    "responses.open_response": lambda p, b: assessments.open_response(p, b.assessment_id),
    "responses.save_answer": lambda p, b: assessments.save_answer(
        p, b.assessment_id, "1.1.1", {"rating": 1, "notes": "overwritten"}
    ),
    "responses.set_position": lambda p, b: assessments.set_position(p, b.assessment_id, "1.2"),
    "responses.record_time": lambda p, b: assessments.record_time(p, b.assessment_id, 100),
    "answers.participation": lambda p, b: answers.participation(p, b.assessment_id),
    "answers.save_answers": lambda p, b: answers.save_answers(
        p,
        {
            "assessmentId": b.assessment_id,
            "writer": "tab-isolation",
            "edits": [{"themeId": "1.1.1", "number": 1, "changes": {"notes": "overwritten"}}],
        },
    ),
    "answers.set_position": lambda p, b: answers.set_position(p, b.assessment_id, "1.2"),
    "answers.audit_first_save": lambda p, b: answers.audit_first_save(
        p, b.assessment_id, "tab-isolation"
    ),
    "responses.submit_response": lambda p, b: assessments.submit_response(p, b.assessment_id),
    "responses.get_my_response": lambda p, b: assessments.get_my_response(p, b.assessment_id),
    # coach
    "context.build_context": lambda p, b: coach.build_context(p, b.assessment_id, 1),
    "context.group_gaps": lambda p, b: coach.context.group_gaps(p, b.assessment(), None),
    "context.find_passages": lambda p, b: coach.context.find_passages(p, B_ASSESSMENT_NAME),
    "sessions.start_session": lambda p, b: coach.start_session(p, b.assessment_id, 1),
    "sessions.get_session": lambda p, b: coach.get_session(p, b_coach_session(b)),
    "sessions.list_sessions": lambda p, b: coach.list_sessions(p),
    "sessions.add_message": lambda p, b: coach.add_message(p, b_coach_session(b), "taken over"),
    "sessions.generate_reply": lambda p, b: list(coach.generate_reply(p, b_coach_session(b))),
    # analytics and reports
    "dashboard.assessment_dashboard": lambda p, b: analytics.assessment_dashboard(
        p, b.assessment_id
    ),
    "dashboard.assessment_aggregate": lambda p, b: analytics_dashboard.assessment_aggregate(
        p, b.assessment_id
    ),
    "dashboard.raw_assessment": lambda p, b: analytics_dashboard.raw_assessment(p, b.assessment_id),
    "dashboard.own_response": lambda p, b: analytics_dashboard.own_response(p, b.assessment_id),
    "dashboard.mode_of": lambda p, b: analytics_dashboard.mode_of(p, b.assessment()),
    "thresholds.set_threshold": lambda p, b: analytics.set_threshold(p, b.assessment_id, 3),
    "metrics.metric_series": lambda p, b: analytics.metric_series(
        p, "assessment-response-submitted"
    ),
    "metrics.home_summary": lambda p, b: analytics.home_summary(p),
    "benchmarks_service.benchmarks_for": lambda p, b: benchmarks_service.benchmarks_for(
        p, b.assessment(), 3
    ),
    "benchmarks_service.industry_for": lambda p, b: benchmarks_service.industry_for(p, "Retail"),
    "csv_export.require_export": lambda p, b: reports.csv_export.require_export(p, b.assessment_id),
    "csv_export.export_responses_csv": lambda p, b: reports.export_responses_csv(
        p, b.assessment_id
    ),
    "pdf.generate_report": lambda p, b: reports.generate_report(p, b.assessment_id),
    "jobs.request_report": lambda p, b: reports.request_report(p, b.assessment_id),
    "jobs.report_status": lambda p, b: reports.report_status(p, b_report_job(b)),
}


def b_coach_session(b: TenantB) -> str:
    """The id of the coaching session B's member started in build_tenant_b."""
    page = get_store().query("coaching_sessions", b.org_id, Query(limit=5))
    return page.items[0]["id"]


def b_report_job(b: TenantB) -> str:
    """The id of a PDF report job B's admin requests now."""
    b_admin = Principal(b.admin_id, b.org_id, Role.ORG_ADMIN.value)
    try:
        return reports.request_report(b_admin, b.assessment_id).id
    except (NotFoundError, Forbidden) as refused:  # else the check below would pass vacuously
        raise AssertionError(f"B's admin could not request a report: {refused}") from refused


def b_document(b: TenantB) -> str:
    """The id of the document B's member uploaded in build_tenant_b."""
    page = get_store().query("documents", b.org_id, Query((Filter("type", "=", "document"),)))
    return page.items[0]["id"]


CALLS.update(
    {
        "library.upload_document": lambda p, b: documents.upload_document(
            p, "alpha.txt", [b"alpha's own words"], {}
        ),
        "library.list_documents": lambda p, b: documents.list_documents(p),
        "library.get_document": lambda p, b: documents.get_document(p, b_document(b)),
        "library.update_document": lambda p, b: documents.update_document(
            p, b_document(b), {"category": "people"}
        ),
        "library.download_url": lambda p, b: documents.download_url(p, b_document(b)),
        "library.thumbnail_url": lambda p, b: documents.thumbnail_url(p, b_document(b)),
        "library.delete_document": lambda p, b: documents.delete_document(p, b_document(b)),
        "search.search_documents": lambda p, b: (
            documents.search_documents(p, {"text": B_NOTE}),
            documents.search_documents(p, {}),
        ),
        "search.similar_documents": lambda p, b: documents.similar_documents(p, b_document(b)),
        "search.find_passages": lambda p, b: documents.find_passages(p, B_NOTE),
        "evidence.attach_evidence": lambda p, b: documents.attach_evidence(
            p, b.assessment_id, "1.1.1", b_document(b)
        ),
        "evidence.detach_evidence": lambda p, b: documents.detach_evidence(
            p, b.assessment_id, "1.1.1", b_document(b)
        ),
        "evidence.cited_in": lambda p, b: documents.cited_in(p, b_document(b)),
        "mfa.status": lambda p, b: mfa.status(p),
        "mfa.start_enrolment": lambda p, b: mfa.start_enrolment(p),
        "mfa.confirm_enrolment": lambda p, b: (
            mfa.start_enrolment(p),
            mfa.confirm_enrolment(p, "12345x"),  # a wrong code: refused, changes nothing
        ),
        "mfa.regenerate_recovery_codes": lambda p, b: mfa.regenerate_recovery_codes(p, "123456"),
        "mfa.turn_off": lambda p, b: mfa.turn_off(p, "123456"),
        "mfa.reset_for_user": lambda p, b: mfa.reset_for_user(p, b.member_id),
        "mfa.enrolled_user_ids": lambda p, b: mfa.enrolled_user_ids(p),
        "account_sessions.my_sessions": lambda p, b: account_sessions.my_sessions(p, ""),
        "account_sessions.end_my_session": lambda p, b: account_sessions.end_my_session(
            p, sessions.list_sessions(b.member_id)[0].id
        ),
        "account_sessions.end_my_other_sessions": lambda p, b: (
            account_sessions.end_my_other_sessions(p, "")
        ),
        "account_sessions.sign_out_everywhere": lambda p, b: account_sessions.sign_out_everywhere(
            p, b.member_id
        ),
        "queue.list_dead_letters": lambda p, b: documents.list_dead_letters(p),
        "queue.retry_dead_letter": lambda p, b: documents.retry_dead_letter(p, "message-of-b"),
        "checkout.ensure_customer": lambda p, b: billing_checkout.ensure_customer(p),
        "checkout.start_checkout": lambda p, b: billing_checkout.start_checkout(p, "professional"),
        "checkout.portal_url": lambda p, b: billing_checkout.portal_url(p),
        "overview.billing_overview": lambda p, b: billing_overview.billing_overview(p),
        "invoices.list_invoices": lambda p, b: billing_invoices.list_invoices(p),
        "overview.dunning_banner": lambda p, b: billing_overview.dunning_banner(p),
        "overview.missing_feature_note": lambda p, b: billing_overview.missing_feature_note(
            p, "benchmarking"
        ),
        "mirror.set_plan_by_hand": lambda p, b: billing_mirror.set_plan_by_hand(p, "enterprise"),
        "business.business_metrics": lambda p, b: billing_business.business_metrics(p),
        "business.is_operator": lambda p, b: billing_business.is_operator(p),
        "business.require_operator": lambda p, b: billing_business.require_operator(p),
    }
)


def test_every_principal_entry_point_is_covered() -> None:
    discovered = set(discover_principal_functions())
    assert discovered, "introspection found no entry points"
    missing = sorted(discovered - set(CALLS))
    stale = sorted(set(CALLS) - discovered)
    assert not missing, f"add these entry points to CALLS: {missing}"
    assert not stale, f"CALLS names functions that no longer exist: {stale}"


@pytest.fixture(params=["memory", "redis"])
def backends(
    request: pytest.FixtureRequest, temp_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    url = ""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
    monkeypatch.setenv("NINEVECTORS_STORE_BACKEND", "sql")
    monkeypatch.setenv("NINEVECTORS_CACHE_BACKEND", request.param)
    monkeypatch.setenv("NINEVECTORS_REDIS_URL", url)
    monkeypatch.setenv("NINEVECTORS_TASK_WORKERS", "0")  # no task worker: this process consumes
    get_settings.cache_clear()
    reset_backends()
    yield request.param
    documents_queue.shutdown()  # its worker threads use this test's Redis
    get_store().close()
    reset_backends()


def build_tenant_b() -> TenantB:
    admin = sign_up("bob@beta.example", B_ORG_NAME).principal
    member = add_user(admin, "mia@beta.example", Role.MEMBER).principal
    invitation = invitations.invite(admin, "guest@beta.example", Role.VIEWER)
    users.update_profile(member, {"title": "Beta insider"})
    enrolment = mfa.start_enrolment(member)
    mfa.confirm_enrolment(member, pyotp.TOTP(enrolment.secret).now())
    assessment = assessments.create_assessment(admin, {"name": B_ASSESSMENT_NAME})
    assessments.add_participant(admin, assessment.id, {"user_id": member.user_id})
    assessments.add_participant(admin, assessment.id, {"email": "invitee@beta.example"})
    assessments.change_status(admin, assessment.id, "in-progress")
    assessments.share_assessment(admin, assessment.id, member.user_id)
    assessments.open_response(member, assessment.id)
    assessments.save_answer(member, assessment.id, "1.1.1", {"rating": 4, "notes": B_NOTE})
    assessments.touch_presence(member, assessment.id)
    coached = coach.start_session(member, assessment.id, 1)
    coach.add_message(member, coached.id, f"My worry: {B_NOTE}")
    documents_queue.shutdown()  # the queue follows this test's backends
    text = f"Beta strategy: {B_NOTE} market expansion plan".encode()
    document = documents.upload_document(member, f"{B_NOTE}.txt", [text], {})
    documents.attach_evidence(member, assessment.id, "1.1.2", document.id)
    documents_queue.wait_until_idle(60)
    return TenantB(admin.organization_id, admin.user_id, member.user_id, "mia@beta.example",
                   invitation.id, assessment.id)  # fmt: skip


def snapshot_b(b: TenantB) -> dict[str, Any]:
    """Everything organization B owns, to compare before and after A's attempts."""
    store = get_store()
    items = {
        container: sorted(
            (store.query(container, b.org_id, Query(limit=500)).items), key=lambda i: i["id"]
        )
        for container in (
            "organizations",
            "users",
            "invitations",
            "assessments",
            "responses",
            "coaching_sessions",
            "documents",
        )  # fmt: skip
    }
    with session_scope() as db:
        creds = db.exec(select(UserCredential).where(UserCredential.organization_id == b.org_id))
        tokens = db.exec(select(OneTimeToken).where(OneTimeToken.organization_id == b.org_id))
        logins = db.exec(select(UserSession).where(UserSession.organization_id == b.org_id))
        factors = db.exec(select(UserMfa).where(UserMfa.organization_id == b.org_id))
        rows = [*creds.all(), *tokens.all(), *logins.all(), *factors.all()]
        items["sql"] = sorted(repr(row.model_dump()) for row in rows)
    return items


def principal_of_a(role: Role) -> Principal:
    """A real, logged-in principal of organization A with ``role`` (via its session)."""
    admin = sign_up("ada@alpha.example", "Alpha Ltd").principal
    add_user(admin, "max@alpha.example", Role.MANAGER)
    if role is Role.ORG_ADMIN:
        token = token_of(auth.login("ada@alpha.example", PASSWORD))
    else:
        boss = add_user(admin, "sam@alpha.example", Role.MEMBER).principal
        promoter = Principal("system", admin.organization_id, Role.SUPER_ADMIN.value)
        users.change_role(promoter, boss.user_id, role)
        token = token_of(auth.login("sam@alpha.example", PASSWORD))
    resolved = sessions.resolve_session(token, "203.0.113.7", "isolation-test")
    assert resolved is not None and resolved.role == role.value
    return resolved


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.SUPER_ADMIN])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_organization_a_sees_and_changes_nothing_of_b(backends: str, role: Role, name: str) -> None:
    b = build_tenant_b()
    a = principal_of_a(role)
    before = snapshot_b(b)
    try:
        result = CALLS[name](a, b)
    except (NotFoundError, Forbidden):
        result = None
    except ValidationFailed as refused:  # e.g. "already has an account": must not say where
        result = refused.message
    shown = repr(result)
    leaked = [marker for marker in b.markers() if marker in shown]
    assert not leaked, f"{name} showed organization B's data to A: {leaked}"
    assert snapshot_b(b) == before, f"{name} changed organization B's data"


def test_b_audit_and_outbox_exist_so_the_checks_mean_something(backends: str) -> None:
    b = build_tenant_b()
    with session_scope() as db:
        audit_rows = db.exec(select(AuditLog).where(AuditLog.organization_id == b.org_id)).all()
        outbox = db.exec(select(OutboxEmail).where(OutboxEmail.organization_id == b.org_id)).all()
    assert audit_rows and outbox
    b_admin = Principal(b.admin_id, b.org_id, Role.ORG_ADMIN.value)
    assert audit.list_entries(b_admin)[1] > 0
    assert mail.list_outbox(b_admin)[1] > 0
    assert users.get_user(b_admin, b.member_id).email == b.member_email
