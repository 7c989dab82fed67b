"""The analysts' role, made by the migrations: it reads the views and can change nothing."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

VIEWS = ("accepted_dataset", "example_spans", "example_lineage", "dataset_funnel", "stage_keep_rates",
         "criterion_keep_rates", "judge_keep_rates", "span_lengths", "run_costs", "quality_gates")


@pytest.fixture
def analyst(synthesized_store: sa.Engine) -> Iterator[sa.Engine]:
    engine = sa.create_engine(synthesized_store.url.set(username="lbi_analyst"))
    yield engine
    engine.dispose()


def test_the_analyst_reads_every_view(analyst: sa.Engine) -> None:
    with analyst.connect() as conn:
        counts = {view: conn.execute(sa.text(f"SELECT count(*) FROM lbi.{view}")).scalar_one() for view in VIEWS}
    assert counts["accepted_dataset"] > 0 and counts["run_costs"] == 1


@pytest.mark.parametrize("statement", [
    "SELECT * FROM lbi.examples",
    "SELECT request FROM lbi.llm_calls",
    "UPDATE lbi.examples SET status = 'accepted'",
    "INSERT INTO lbi.model_prices VALUES ('m', 0, 0)",
    "DELETE FROM lbi.gate_results",
    "CREATE TABLE lbi.mine (x int)",
    "DROP VIEW lbi.accepted_dataset",
    "CREATE TEMP TABLE scratch (x int)",
])
def test_the_analyst_cannot_touch_anything_else(analyst: sa.Engine, statement: str) -> None:
    with analyst.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="permission denied|read-only|must be owner"):
        conn.execute(sa.text(statement))
