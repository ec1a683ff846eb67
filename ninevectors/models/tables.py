"""Relational tables (SQLite by default, PostgreSQL in production), managed by Alembic.

Every change here needs a migration in ``alembic/versions``; the drift test in
``tests/integration/test_migrations.py`` fails when models and migrations disagree.
Datetimes are always timezone-aware UTC, on SQLite too (see ``UtcDateTime``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

AUDIT_SEVERITIES = ("info", "warning", "error", "critical")
METRIC_TYPES = ("api-calls", "ai-tokens", "storage-gb", "assessments", "users", "emails")
TOKEN_PURPOSES = ("reset", "invitation")
OUTBOX_STATUSES = ("queued", "sent", "failed")

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that always stores and returns aware UTC datetimes.

    SQLite keeps no offset, so values are converted to UTC on the way in and marked UTC on
    the way out; a naive datetime handed in is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _when(*, index: bool = False) -> Any:
    return Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=index)
    )


def _maybe_when() -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: str = Field(primary_key=True, max_length=50)  # "org_..."
    name: str = Field(max_length=200)
    domain: str | None = Field(default=None, max_length=255, index=True)
    status: str = Field(default="active", max_length=20)  # active, suspended, deleted
    created_at: datetime = _when()


class Subscription(SQLModel, table=True):
    """The verified mirror of an organization's Stripe subscription (one row per organization;
    Stripe is the source of truth, ``services/billing/mirror.py`` the only writer).
    ``status`` is Stripe's, or ``none`` while the customer has no subscription (yet)."""

    __tablename__ = "subscriptions"

    subscription_id: str = Field(default_factory=new_uuid, primary_key=True, max_length=36)
    organization_id: str = Field(
        sa_column=Column(
            String(50),
            ForeignKey("organizations.id", name="fk_subscriptions_organization_id"),
            nullable=False,
            index=True,
            unique=True,
        )
    )
    stripe_customer_id: str = Field(max_length=100, index=True)
    stripe_subscription_id: str | None = Field(default=None, max_length=100, index=True)
    stripe_price_id: str = Field(max_length=100)
    plan: str = Field(default="starter", max_length=20)  # the plan the price stands for
    status: str = Field(max_length=20)  # none, active, trialing, past_due, canceled, ...
    past_due_since: datetime | None = _maybe_when()  # when dunning began (grace period)
    current_period_start: datetime = _when()
    current_period_end: datetime = _when()
    cancel_at_period_end: bool = Field(default=False)
    trial_end: datetime | None = _maybe_when()
    created_at: datetime = _when()
    updated_at: datetime = _when()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_timestamp_org", "timestamp", "organization_id"),
        Index("ix_audit_logs_org_timestamp", "organization_id", "timestamp"),
        Index("ix_audit_logs_action", "action"),
    )

    log_id: int | None = Field(
        default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True)
    )
    timestamp: datetime = _when()  # indexed by ix_audit_logs_timestamp_org
    # None for events no tenant owns (e.g. a sign-in attempt for an unknown e-mail).
    organization_id: str | None = Field(default=None, max_length=50)
    user_id: str | None = Field(default=None, max_length=50)
    action: str = Field(max_length=100)  # user.created, assessment.completed, ...
    resource: str = Field(max_length=100)
    resource_id: str | None = Field(default=None, max_length=100)
    ip_address: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=500)
    details: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # JSON
    severity: str = Field(default="info", max_length=20)


class UsageMetric(SQLModel, table=True):
    __tablename__ = "usage_metrics"
    __table_args__ = (Index("ix_usage_metrics_org_period", "organization_id", "billing_period"),)

    metric_id: int | None = Field(
        default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True)
    )
    organization_id: str = Field(max_length=50)
    metric_type: str = Field(max_length=50)  # one of METRIC_TYPES
    quantity: float = Field(sa_column=Column(Numeric(18, 6, asdecimal=False), nullable=False))
    timestamp: datetime = _when()
    billing_period: str = Field(max_length=7)  # YYYY-MM


class UserCredential(SQLModel, table=True):
    __tablename__ = "user_credentials"
    __table_args__ = (
        UniqueConstraint("email", name="uq_user_credentials_email"),
        CheckConstraint("email = lower(email)", name="ck_user_credentials_email_lower"),
    )

    user_id: str = Field(primary_key=True, max_length=50)
    organization_id: str = Field(max_length=50, index=True)
    email: str = Field(max_length=320)  # always lower-case
    password_hash: str | None = Field(default=None, max_length=255)
    failed_login_count: int = Field(default=0)
    locked_until: datetime | None = _maybe_when()
    is_active: bool = Field(default=True)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class OneTimeToken(SQLModel, table=True):
    """Reset and invitation tokens: only the SHA-256 hex of the token is ever stored."""

    __tablename__ = "one_time_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=20)  # reset, invitation
    user_id: str | None = Field(default=None, max_length=50, index=True)
    organization_id: str = Field(max_length=50, index=True)
    email: str = Field(max_length=320, index=True)
    role: str | None = Field(default=None, max_length=20)
    expires_at: datetime = _when()
    used_at: datetime | None = _maybe_when()
    created_at: datetime = _when()
    created_by: str | None = Field(default=None, max_length=50)


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_org_created", "organization_id", "created_at"),)

    id: str = Field(
        default_factory=lambda: f"mail_{uuid.uuid4().hex}", primary_key=True, max_length=50
    )
    organization_id: str | None = Field(default=None, max_length=50)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    text_body: str = Field(sa_column=Column(Text(), nullable=False))
    html_body: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    created_at: datetime = _when()
    sent_at: datetime | None = _maybe_when()
    status: str = Field(default="queued", max_length=20)  # queued, sent, failed
    error: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))


class UserSession(SQLModel, table=True):
    """A signed-in browser: the durable record behind the cache's ``session:<hash>`` entry.

    Only SHA-256 hashes of the cookie token and of the one-time hand-off code are stored.
    A session starts with a hand-off code (``handoff_hash``); the backend route that sets
    the cookie redeems it once, and only then is ``token_hash`` set.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_user_sessions_token_hash"),
        UniqueConstraint("handoff_hash", name="uq_user_sessions_handoff_hash"),
        Index("ix_user_sessions_user_ended", "user_id", "ended_at"),
    )

    id: str = Field(primary_key=True, max_length=50)  # "sess_..."
    user_id: str = Field(max_length=50)
    organization_id: str = Field(max_length=50, index=True)
    role: str = Field(max_length=20)
    token_hash: str | None = Field(default=None, max_length=64)
    handoff_hash: str | None = Field(default=None, max_length=64)
    handoff_expires_at: datetime | None = _maybe_when()
    auth_method: str = Field(default="password", max_length=20)  # password, sso
    ip_address: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=500)
    created_at: datetime = _when()
    last_seen_at: datetime = _when()
    expires_at: datetime = _when()  # the absolute cap, however active the session is
    ended_at: datetime | None = _maybe_when()
    end_reason: str | None = Field(default=None, max_length=30)  # logout, revoked, idle, ...


class UserMfa(SQLModel, table=True):
    """A person's TOTP second factor. The key is encrypted (``services/secret_box``); until
    the first code confirms it, ``enabled_at`` is empty and the factor is not asked for.
    ``last_step`` is the last accepted 30-second step, so no code is accepted twice."""

    __tablename__ = "user_mfa"

    user_id: str = Field(primary_key=True, max_length=50)
    organization_id: str = Field(max_length=50, index=True)
    secret_encrypted: str = Field(sa_column=Column(Text(), nullable=False))
    enabled_at: datetime | None = _maybe_when()
    last_step: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    created_at: datetime = _when()
    updated_at: datetime = _when()


class MfaRecoveryCode(SQLModel, table=True):
    """One single-use recovery code; only the SHA-256 hex of the code is stored."""

    __tablename__ = "mfa_recovery_codes"

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=50, index=True)
    used_at: datetime | None = _maybe_when()
    created_at: datetime = _when()


class SsoConnection(SQLModel, table=True):
    """An organization's OpenID Connect sign-in. The client secret is encrypted
    (``services/secret_box``); ``group_roles`` and ``break_glass_user_ids`` are JSON."""

    __tablename__ = "sso_connections"

    organization_id: str = Field(primary_key=True, max_length=50)
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=255)
    client_secret_encrypted: str = Field(sa_column=Column(Text(), nullable=False))
    jit_role: str = Field(max_length=20)
    groups_claim: str | None = Field(default=None, max_length=100)
    group_roles: str = Field(default="{}", sa_column=Column(Text(), nullable=False))
    require_sso: bool = Field(default=False)
    break_glass_user_ids: str = Field(default="[]", sa_column=Column(Text(), nullable=False))
    created_at: datetime = _when()
    updated_at: datetime = _when()


class SsoDomain(SQLModel, table=True):
    """An e-mail domain that signs in through one organization's SSO (at most one)."""

    __tablename__ = "sso_domains"

    domain: str = Field(primary_key=True, max_length=255)  # always lower-case
    organization_id: str = Field(max_length=50, index=True)
    created_at: datetime = _when()


class BillingEvent(SQLModel, table=True):
    """A Stripe webhook event we processed: the id is remembered so each event is applied
    exactly once, however often Stripe delivers it."""

    __tablename__ = "billing_events"

    event_id: str = Field(primary_key=True, max_length=255)
    event_type: str = Field(max_length=100)
    organization_id: str | None = Field(default=None, max_length=50, index=True)
    outcome: str = Field(max_length=30)  # applied, ignored, unknown-customer
    received_at: datetime = _when()


class UsageReport(SQLModel, table=True):
    """One batch of usage sent to Stripe as a meter event: written (with its ``identifier``)
    before it is sent and marked ``reported_at`` once Stripe took it, so a retry resends the
    same identifier (Stripe keeps one) and a later run only sends what is new."""

    __tablename__ = "usage_reports"
    __table_args__ = (
        UniqueConstraint(
            "organization_id", "metric_type", "billing_period", "batch",
            name="uq_usage_reports_batch",
        ),
    )  # fmt: skip

    report_id: int | None = Field(
        default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True)
    )
    organization_id: str = Field(max_length=50, index=True)
    metric_type: str = Field(max_length=50)
    billing_period: str = Field(max_length=7)  # YYYY-MM
    batch: int
    identifier: str = Field(max_length=100, unique=True)  # the meter event's identifier
    quantity: float = Field(sa_column=Column(Numeric(18, 6, asdecimal=False), nullable=False))
    stripe_customer_id: str = Field(max_length=100)
    event_timestamp: datetime = _when()
    created_at: datetime = _when()
    reported_at: datetime | None = _maybe_when()


RELATIONAL_TABLES: tuple[type[SQLModel], ...] = (
    Organization,
    Subscription,
    AuditLog,
    UsageMetric,
    UserCredential,
    OneTimeToken,
    OutboxEmail,
    UserSession,
    UserMfa,
    MfaRecoveryCode,
    SsoConnection,
    SsoDomain,
    UsageReport,
    BillingEvent,
)
