"""lbi experiment end to end on a small workload: a real synthesis (Prefect, embedded Postgres, the
offline model over HTTP), then every variant evaluated on one held-out task; the stored table is checked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.cli import app
from lbi.config import Settings
from lbi.experiment.configured import experiment_configured
from lbi.experiment.params import ExperimentParams
from lbi.experiment.variants import NAMES
from tests.flows.dataset import row_counts

CHINOOK = "sqlite-chinook-v0"


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_every_variant_runs_and_the_table_is_stored(store: sa.Engine) -> None:
    synthesize(SynthesizeParams(env=CHINOOK, max_docs=1, instructions_per_doc=2, max_steps=2, max_span_steps=2))
    dataset_before = row_counts(store)
    report = experiment_configured(ExperimentParams(env=CHINOOK, limit=1, max_steps=2, m1=2, m2=2, workers=1,
                                                    no_documents_tasks=1, synthesis_max_steps=2, max_span_steps=1),
                                   Settings())
    with store.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p)  # noqa: E731
        table = {row["variant"]: row for row in q("SELECT * FROM lbi.experiment_table WHERE experiment_id = :x",
                                                  x=report.experiment_id).mappings()}
        assert list(table) == NAMES and [r["variant"] for r in report.rows] == NAMES
        assert all(row["tasks"] == 1 and row["evaluation_id"] is not None and row["success_rate"] is not None
                   for row in table.values())
        assert q("SELECT status FROM lbi.experiments WHERE id = :x", x=report.experiment_id).scalar_one() == "completed"

        def item(name: str, column: str) -> list:
            return list(q(f"SELECT {column} FROM lbi.corpus_items WHERE corpus_id = :c ORDER BY id",
                          c=table[name]["corpus_id"]).scalars())

        accepted = q("SELECT count(*) FROM lbi.examples WHERE status = 'accepted'").scalar_one()
        assert 0 < table["full"]["examples_kept"] == accepted <= table["no-committee"]["examples_kept"]
        assert table["no-committee"]["examples_kept"] == q("SELECT count(*) FROM lbi.examples").scalar_one()
        assert table["policy-strict"]["examples_kept"] <= table["policy-relaxed"]["examples_kept"]
        assert table["retrieval-both"]["evaluation_id"] == table["full"]["evaluation_id"]  # one evaluation, shared
        # without backward construction: each self-instructed task with its whole trajectory, not an example
        pairs = q("SELECT count(*) FROM lbi.trajectories t JOIN lbi.instructions i ON i.id = t.instruction_id"
                  " WHERE i.origin = 'self_instruct' AND t.n_steps > 0").scalar_one()
        assert table["no-backward-construction"]["examples_kept"] == pairs
        assert None not in item("no-backward-construction", "trajectory_id")
        assert item("no-backward-construction", "example_id") == [None] * pairs
        # without documents: its own synthesis, kept out of the dataset (which the experiment left as it was)
        assert table["no-documents"]["corpus_kind"] == "examples"
        assert item("no-documents", "example_id") == [None] * table["no-documents"]["examples_kept"]
        assert row_counts(store) | {"paid_calls": 0} == dataset_before | {"paid_calls": 0}

        def evaluation(name: str, column: str) -> list:
            return list(q(f"SELECT {column} FROM lbi.evaluation_results WHERE evaluation_id = :e ORDER BY task_id",
                          e=table[name]["evaluation_id"]).scalars())

        def query_calls(name: str) -> int:
            return q("SELECT count(*) FROM lbi.llm_calls c JOIN lbi.evaluations v ON v.run_id = c.run_id"
                     " WHERE v.id = :e AND c.role = 'query_writer'", e=table[name]["evaluation_id"]).scalar_one()

        # retrieval off: no retrieval at all, and fewer model calls than with the model's queries
        off = table["retrieval-off"]
        assert off["examples_kept"] is None and off["retrieval_hits_per_task"] == 0
        assert evaluation("retrieval-off", "cardinality(retrieved)") == [0] and query_calls("retrieval-off") == 0
        assert table["retrieval-off"]["model_calls_per_task"] < table["full"]["model_calls_per_task"]
        assert query_calls("retrieval-observation") == 0
        assert table["retrieval-observation"]["model_calls_per_task"] < table["retrieval-model"]["model_calls_per_task"]
        # RAG: what it retrieved are documentation chunks of the environment, and it writes no query
        retrieved = {i for ids in evaluation("rag-documentation", "retrieved") for i in ids}
        chunks = dict(zip(item("rag-documentation", "id"), item("rag-documentation", "chunk_id")))
        assert retrieved and retrieved <= set(chunks) and None not in chunks.values()
        assert table["rag-documentation"]["corpus_kind"] == "chunks" and query_calls("rag-documentation") == 0
        full_retrieved = {i for ids in evaluation("full", "retrieved") for i in ids}
        assert full_retrieved and set(item("full", "id")) >= full_retrieved


def test_an_unknown_variant_is_a_one_line_usage_error() -> None:
    result = CliRunner().invoke(app, ["experiment", "--env", CHINOOK, "--variants", "full,no-such-variant"])
    assert result.exit_code == 1
    assert "unknown variant 'no-such-variant'" in result.output and len(result.output.strip().splitlines()) == 1
