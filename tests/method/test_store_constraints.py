"""The store's CHECK constraints allow exactly the values the method defines."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lbi.method.criteria import Criterion
from lbi.method.kinds import InstructionKind
from lbi.method.stages import Stage
from lbi.quality import records
from lbi.store import runs


def allowed_values(engine: sa.Engine, table: str, column: str) -> set[str]:
    """The values a column's CHECK (column IN (...)) constraint allows."""
    with engine.connect() as conn:
        definitions = conn.execute(sa.text(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
            " WHERE c.contype = 'c' AND c.conrelid = CAST(:table AS regclass) AND a.attname = :column"),
            {"table": f"lbi.{table}", "column": column}).scalars().all()
    (definition,) = definitions
    return set(re.findall(r"'([^']*)'::text", definition))


@pytest.mark.parametrize(("table", "column", "values"), [
    ("verdicts", "criterion", set(Criterion)),
    ("run_stage_ids", "stage", set(Stage)),
    ("examples", "kind", set(InstructionKind)),
    ("instructions", "origin", {Stage.SELF_INSTRUCT, Stage.BACKWARD}),
])
def test_a_check_constraint_allows_exactly_the_defined_values(store: sa.Engine, table: str, column: str,
                                                               values: set[str]) -> None:
    assert allowed_values(store, table, column) == values


def test_every_stage_can_be_recorded_and_read_back_in_order_and_no_other(store: sa.Engine) -> None:
    with store.begin() as conn:
        run_id = runs.create_run(conn, flow="synthesize", environment_id=None, params={}, max_llm_calls=None,
                                 max_tokens=None, flow_run_id=None)
        for stage in reversed(Stage):
            records.record_stage_ids(conn, run_id=run_id, stage=stage, ids=[1])
        assert records.recorded_stages(conn, run_id=run_id) == list(Stage)
    with pytest.raises(sa.exc.IntegrityError), store.begin() as conn:
        records.record_stage_ids(conn, run_id=run_id, stage="export", ids=[1])
