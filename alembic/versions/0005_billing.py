"""Billing: the subscription mirror (one row per organization, plan, Stripe subscription id,
dunning start) and the processed Stripe webhook events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_subscription_id", _TEXT(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("plan", _TEXT(length=20), nullable=False, server_default="starter")
        )
        batch_op.add_column(sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_subscriptions_organization_id")
        batch_op.create_index(
            batch_op.f("ix_subscriptions_organization_id"), ["organization_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_subscriptions_stripe_subscription_id"),
            ["stripe_subscription_id"],
            unique=False,
        )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.alter_column("plan", server_default=None)
    op.create_table(
        "billing_events",
        sa.Column("event_id", _TEXT(length=255), nullable=False),
        sa.Column("event_type", _TEXT(length=100), nullable=False),
        sa.Column("organization_id", _TEXT(length=50), nullable=True),
        sa.Column("outcome", _TEXT(length=30), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_events_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_events_organization_id"))
    op.drop_table("billing_events")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_stripe_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_organization_id"))
        batch_op.create_index("ix_subscriptions_organization_id", ["organization_id"], unique=False)
        batch_op.drop_column("past_due_since")
        batch_op.drop_column("plan")
        batch_op.drop_column("stripe_subscription_id")
