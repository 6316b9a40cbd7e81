"""Persistence: the CDS governance record, feedback, snoozes and JWT replay protection.

SQLite (WAL) is the embedded default; PostgreSQL by URL when several replicas share one record.
``Store.from_settings`` upgrades the schema in place (Alembic) before returning.
"""

from cds_service.store.core import (
    FeedbackItem,
    FeedbackResult,
    GovernanceReport,
    PurgeResult,
    ReasonCount,
    RuleReport,
    Store,
)

__all__ = [
    "FeedbackItem",
    "FeedbackResult",
    "GovernanceReport",
    "PurgeResult",
    "ReasonCount",
    "RuleReport",
    "Store",
]
