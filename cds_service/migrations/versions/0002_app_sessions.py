"""Pathway app launches and sessions, shared by every worker and replica.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "app_session",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("expires_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_session")),
    )
    op.create_index(op.f("ix_app_session_expires_at"), "app_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_app_session_expires_at"), table_name="app_session")
    op.drop_table("app_session")
