"""Usage reports: each batch of usage sent to Stripe as a meter event, with its identifier,
remembered so a retry never bills twice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:10:55

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_reports",
        sa.Column(
            "report_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("metric_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("billing_period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("identifier", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=6, asdecimal=False), nullable=False),
        sa.Column(
            "stripe_customer_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column("event_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("report_id"),
        sa.UniqueConstraint("identifier"),
        sa.UniqueConstraint(
            "organization_id",
            "metric_type",
            "billing_period",
            "batch",
            name="uq_usage_reports_batch",
        ),
    )
    with op.batch_alter_table("usage_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_usage_reports_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("usage_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_reports_organization_id"))

    op.drop_table("usage_reports")
