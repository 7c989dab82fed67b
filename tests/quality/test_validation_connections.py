"""A validation's queries share pooled connections, and none of them stays open after it."""

from __future__ import annotations

import time

import sqlalchemy as sa

from lbi.quality.config import GateConfig
from lbi.quality.runner import validate
from lbi.quality.scope import Scope
from lbi.quality.suites import SUITES

SESSIONS = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
OPEN = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


def _counts(url: sa.URL) -> tuple[int, int]:
    """(sessions ever started, sessions open besides this one), asked on a connection of its own."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        counts = conn.execute(sa.text(SESSIONS)).scalar_one(), conn.execute(sa.text(OPEN)).scalar_one()
    engine.dispose()
    return counts


def test_a_validation_opens_one_connection_and_leaves_none_open(synthesized_store: sa.Engine) -> None:
    with synthesized_store.connect() as conn:  # the store's own pooled connection is open before counting
        conn.execute(sa.text("SELECT 1"))
    started_before, open_before = _counts(synthesized_store.url)
    outcome = validate(synthesized_store, SUITES["verdicts"], Scope(run_id=1), GateConfig())
    assert len(outcome.checks) >= 5 and outcome.rows > 0  # several queries ran
    probes, deadline = 0, time.monotonic() + 10  # a closed connection's server process takes a moment to exit
    while True:
        started_after, open_after = _counts(synthesized_store.url)
        probes += 1
        if open_after <= open_before or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert open_after <= open_before, "the validation left a connection open"  # fewer: an earlier one ended
    gx_sessions = started_after - started_before - probes  # each probe is a session too
    assert gx_sessions <= 2, f"the validation opened {gx_sessions} connections; its queries should share one"
