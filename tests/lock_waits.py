"""Sessions of a test's database held back by another transaction's lock."""

from __future__ import annotations

import sqlalchemy as sa


def sessions_waiting_on_a_lock(store: sa.Engine, where: str) -> int:
    """How many of the database's sessions matching ``where`` (SQL over pg_stat_activity) wait on a lock."""
    with store.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            f" AND {where}")).scalar_one()
