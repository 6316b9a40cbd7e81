"""Initial schema: invocation audit, issued cards and suggestions, feedback, seen JWT ids.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations are frozen history: they use plain column types, never the application's models.
UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invocation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTC_TS, nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("hook", sa.String(), nullable=False),
        sa.Column("hook_instance", sa.String(), nullable=False),
        sa.Column("patient_id", sa.String(), nullable=True),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("card_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invocation")),
    )
    op.create_index(op.f("ix_invocation_at"), "invocation", ["at"])

    op.create_table(
        "issued_card",
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("invocation_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("hook", sa.String(), nullable=False),
        sa.Column("hook_instance", sa.String(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("indicator", sa.String(), nullable=False),
        sa.Column("patient_id", sa.String(), nullable=True),
        sa.Column("issued_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["invocation_id"], ["invocation.id"], name=op.f("fk_issued_card_invocation_id_invocation")
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_issued_card")),
    )
    op.create_index(op.f("ix_issued_card_invocation_id"), "issued_card", ["invocation_id"])
    op.create_index(op.f("ix_issued_card_issued_at"), "issued_card", ["issued_at"])
    op.create_index(
        op.f("ix_issued_card_service_id_patient_id_rule_id"),
        "issued_card",
        ["service_id", "patient_id", "rule_id"],
    )

    op.create_table(
        "issued_suggestion",
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("card_uuid", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_uuid"], ["issued_card.uuid"], name=op.f("fk_issued_suggestion_card_uuid_issued_card")
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_issued_suggestion")),
    )
    op.create_index(op.f("ix_issued_suggestion_card_uuid"), "issued_suggestion", ["card_uuid"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.Column("card_uuid", sa.String(), nullable=False),
        sa.Column("card_known", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("outcome_at", UTC_TS, nullable=False),
        sa.Column("received_at", UTC_TS, nullable=False),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=True),
        sa.Column("reason_system", sa.String(), nullable=True),
        sa.Column("reason_code", sa.String(), nullable=True),
        sa.Column("reason_display", sa.String(), nullable=True),
        sa.Column("user_comment", sa.String(), nullable=True),
        sa.Column("snooze_until", UTC_TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_feedback_dedupe_key")),
    )
    op.create_index(op.f("ix_feedback_card_uuid"), "feedback", ["card_uuid"])
    op.create_index(op.f("ix_feedback_received_at"), "feedback", ["received_at"])
    op.create_index(op.f("ix_feedback_snooze_until"), "feedback", ["snooze_until"])

    op.create_table(
        "seen_jti",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_seen_jti")),
    )
    op.create_index(op.f("ix_seen_jti_expires_at"), "seen_jti", ["expires_at"])


def downgrade() -> None:
    op.drop_table("seen_jti")
    op.drop_table("feedback")
    op.drop_table("issued_suggestion")
    op.drop_table("issued_card")
    op.drop_table("invocation")
