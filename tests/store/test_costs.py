"""Cost an analyst can trust: the cost views' totals are the ledger's, a rerun that finds its work done is
credited with nothing new, allocated document costs add up to what was allocated, and the analysts' role
reads the cost views (without prompts or keys) but not the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import pytest
import sqlalchemy as sa

from flows.synthesize import synthesize
from lbi.store import embedded
from tests.quality.synthesized import SMALL, copy_of, synthesized_db  # noqa: F401

ALLOCATED_ROLES = ("self_instruct", "actor", "label_task", "label_replicate", "judge")


@pytest.fixture(scope="module")
def twice_synthesized(synthesized_db: str, pg_info: embedded.PostmasterInfo, offline_model: str, lbi_home,  # noqa: F811
                      prefect_api: str) -> Iterator[sa.Engine]:
    """The session's synthesized run (tests/quality/synthesized.py), priced, then the same run again."""
    url = copy_of(synthesized_db, pg_info)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LBI_DATABASE_URL", url)
        patch.setenv("LBI_MODEL_BASE_URL", offline_model)
        patch.setenv("LBI_HOME", str(lbi_home))
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # priced after the first run: the views price the ledger when read
            conn.execute(sa.text(
                "INSERT INTO lbi.model_prices (model, usd_per_million_prompt_tokens, usd_per_million_completion_tokens)"
                " SELECT DISTINCT model, 0.15, 0.60 FROM lbi.llm_calls"))
        synthesize(SMALL)
        yield engine
        engine.dispose()


def _rows(engine: sa.Engine, sql: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)))


def _one(engine: sa.Engine, sql: str) -> sa.Row:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).one()


def test_call_costs_totals_equal_the_ledgers(twice_synthesized: sa.Engine) -> None:
    ledger = _one(twice_synthesized,
                  "SELECT count(*) FILTER (WHERE status <> 'error'), count(*) FILTER (WHERE status = 'error'),"
                  " sum(prompt_tokens), sum(completion_tokens),"
                  " round(sum(prompt_tokens * 0.15 + completion_tokens * 0.60) / 1000000, 6) FROM lbi.llm_calls")
    view = _one(twice_synthesized,
                "SELECT sum(paid_calls), sum(failed_calls), sum(prompt_tokens), sum(completion_tokens),"
                " sum(estimated_usd) FROM lbi.call_costs")
    assert ledger[0] > 0 and tuple(view) == tuple(ledger)
    with twice_synthesized.connect() as conn:
        mismatched = conn.execute(sa.text(
            "SELECT r.run_id FROM lbi.run_costs r"
            " LEFT JOIN (SELECT run_id, sum(paid_calls) AS calls, sum(tokens) AS tokens, sum(estimated_usd) AS usd"
            "            FROM lbi.call_costs GROUP BY run_id) c ON c.run_id = r.run_id"
            " WHERE r.paid_calls <> coalesce(c.calls, 0) OR r.tokens <> coalesce(c.tokens, 0)"
            "    OR r.estimated_usd IS DISTINCT FROM c.usd")).all()
    assert not mismatched, "run_costs and call_costs agree run by run"
    roles = {row[0] for row in _rows(twice_synthesized, "SELECT DISTINCT role FROM lbi.call_costs")}
    assert set(ALLOCATED_ROLES) <= roles


def test_a_rerun_that_finds_its_work_done_is_credited_with_nothing_new(twice_synthesized: sa.Engine) -> None:
    first, second = _rows(twice_synthesized,
                              "SELECT accepted, newly_accepted, paid_calls, usd_per_newly_accepted FROM lbi.run_costs"
                              " WHERE flow = 'synthesize' ORDER BY run_id")
    accepted = _one(twice_synthesized, "SELECT count(*) FROM lbi.examples WHERE status = 'accepted'")[0]
    assert first.newly_accepted == accepted == first.accepted > 0
    assert first.usd_per_newly_accepted > 0
    assert second.accepted == accepted, "the rerun covers every accepted example"
    assert (second.newly_accepted, second.paid_calls, second.usd_per_newly_accepted) == (0, 0, None)


def test_document_costs_allocate_exactly_what_the_allocated_roles_cost(twice_synthesized: sa.Engine) -> None:
    ledger = _one(twice_synthesized,
                  "SELECT sum(tokens), sum(estimated_usd) FROM lbi.call_costs WHERE role IN "
                  f"({', '.join(repr(r) for r in ALLOCATED_ROLES)})")
    documents = _rows(twice_synthesized, "SELECT allocated_tokens, allocated_usd, accepted, judged, keep_rate,"
                                             " source_document_id FROM lbi.document_costs")
    assert len(documents) == 2 and all(d.source_document_id is not None for d in documents)
    assert abs(sum(d.allocated_tokens for d in documents) - ledger[0]) <= Decimal("0.1") * len(documents)
    assert abs(sum(d.allocated_usd for d in documents) - ledger[1]) <= Decimal("0.000001") * len(documents)
    accepted = _one(twice_synthesized, "SELECT count(*) FROM lbi.accepted_dataset")[0]
    assert sum(d.accepted for d in documents) == accepted, "each accepted example credited to one document"
    for d in documents:
        assert d.keep_rate == round(Decimal(d.accepted) / d.judged, 4)


def test_the_analyst_reads_the_cost_views_but_not_the_ledger(twice_synthesized: sa.Engine) -> None:
    analyst = sa.create_engine(twice_synthesized.url.set(username="lbi_analyst"))
    try:
        with analyst.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM lbi.call_costs")).scalar_one() > 0
            assert conn.execute(sa.text("SELECT count(*) FROM lbi.document_costs")).scalar_one() == 2
            columns = {r[0] for r in conn.execute(sa.text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'lbi' AND table_name = 'call_costs'"))}
            assert not columns & {"request", "response_text", "error", "request_hash"}
        with analyst.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SELECT request FROM lbi.llm_calls"))
    finally:
        analyst.dispose()
