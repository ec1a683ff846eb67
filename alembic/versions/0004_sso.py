"""SSO: one OpenID Connect connection per organization and the e-mail domains it owns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_connections",
        sa.Column("organization_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("jit_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("groups_claim", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("group_roles", sa.Text(), nullable=False),
        sa.Column("require_sso", sa.Boolean(), nullable=False),
        sa.Column("break_glass_user_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization_id"),
    )
    op.create_table(
        "sso_domains",
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("organization_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("domain"),
    )
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sso_domains_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_domains_organization_id"))
    op.drop_table("sso_domains")
    op.drop_table("sso_connections")
