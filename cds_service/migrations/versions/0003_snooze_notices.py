"""PostgreSQL: a notice on channel ``cds_snooze`` whenever feedback starts a snooze.

Each worker keeps the running snoozes it read and listens on the channel; the notice tells it to
read them again (``cds_service.store.core._SnoozeNotices``). A trigger rather than the writer's
own NOTIFY, so every writer of feedback sends it, whatever its version. SQLite has no
notifications: there each call reads the running snoozes (an indexed read, microseconds).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "cds_snooze"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION notify_snooze() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.service_id);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER feedback_snooze_notice AFTER INSERT ON feedback
        FOR EACH ROW WHEN (NEW.snooze_until IS NOT NULL) EXECUTE FUNCTION notify_snooze()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER feedback_snooze_notice ON feedback")
    op.execute("DROP FUNCTION notify_snooze()")
