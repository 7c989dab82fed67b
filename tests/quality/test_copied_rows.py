"""A validation copies its rows into a temporary table once, so that GX's queries read the copy, not the
rows' query (its joins) again and again; where a database refuses the copy, the query itself is
validated, with the same results."""

from __future__ import annotations

import time
from typing import Callable

import sqlalchemy as sa

from lbi.quality.config import GateConfig
from lbi.quality.runner import validate
from lbi.quality.scope import Scope
from lbi.quality.suites import SUITES
from lbi.quality.validation import validate_rows
from tests.eventually import eventually

SCANS = "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relid = 'lbi.verdicts'::regclass"


def _scans(store: sa.Engine) -> int:
    with store.connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        return conn.execute(sa.text(SCANS)).scalar_one()


def _outcomes(store: sa.Engine) -> list[tuple]:
    outcome = validate(store, SUITES["verdicts"], Scope(run_id=1), GateConfig())
    return [(c.check, c.success, c.unexpected, c.sample_ids, c.error) for c in outcome.checks]


def test_the_rows_query_runs_once_for_every_check(synthesized_store: sa.Engine) -> None:
    suite = SUITES["verdicts"]
    config = GateConfig()
    checks = [(check, config.severity_of(check.name, check.severity)) for check in suite.checks(config)]
    query = suite.rows(Scope(run_id=1))
    once = _scans_by(synthesized_store, lambda: _run_once(synthesized_store, query))
    assert once > 0
    results = []
    validated = _scans_by(synthesized_store, lambda: results.extend(validate_rows(
        synthesized_store.url.render_as_string(hide_password=False), name="verdicts", query=query,
        checks=checks, key=suite.key, sample=5)))
    assert len(results) == len(checks) >= 5 and all(r["success"] for r in results)
    assert validated == once, f"GX's queries scanned lbi.verdicts {validated} times, the rows' query once {once}"


def _run_once(store: sa.Engine, query: str) -> None:
    engine = sa.create_engine(store.url, poolclass=sa.pool.NullPool)  # its session ends: its counts are flushed
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT * FROM ({query}) AS rows")).all()
    engine.dispose()


def _scans_by(store: sa.Engine, work: Callable[[], object]) -> int:
    """How many scans of lbi.verdicts ``work`` started, once its sessions' counts reached the statistics."""
    before = _scans(store)
    work()
    assert eventually(lambda: _scans(store) > before, 15), "no scan was counted"
    time.sleep(1.2)  # a session flushes its counts at most once a second
    return _scans(store) - before


def test_a_read_only_database_is_validated_over_the_query(synthesized_store: sa.Engine) -> None:
    read_only = sa.create_engine(synthesized_store.url.update_query_dict(
        {"options": "-c default_transaction_read_only=on"}))
    with read_only.connect() as conn:
        assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar_one() == "on"
    outcomes = _outcomes(read_only)
    assert outcomes == _outcomes(synthesized_store)
    assert all(success and error is None for _, success, _, _, error in outcomes)
    read_only.dispose()


def test_no_suite_query_has_a_percent_sign() -> None:
    """GX doubles every ``%`` of a query it runs (``length('a%b')`` is 4 to GX), copied or not."""
    scopes = [Scope(run_id=7), Scope(environment_id="env-1"), Scope()]
    for suite in SUITES.values():
        queries = [suite.rows(scope) for scope in scopes]
        queries += [str(value) for check in suite.checks(GateConfig()) for value in check.kwargs.values()]
        assert not [q for q in queries if "%" in q], f"suite {suite.name} has a query with a %"
