"""The synthesize flow end to end: embedded Postgres, offline model over HTTP, Prefect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.method.criteria import Criterion
from lbi.store import runs
from tests.flows import dataset

SMALL = dict(max_docs=2, instructions_per_doc=2, max_steps=3, max_span_steps=2)

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def test_each_stage_writes_linked_rows(store: sa.Engine) -> None:
    result = synthesize(SynthesizeParams(**SMALL))
    totals = result["totals"]
    assert result["status"] == "completed"
    for stage in ("documents", "chunks", "instructions", "trajectories", "steps", "examples", "verdicts"):
        assert totals[stage] > 0, stage
    assert totals["accepted"] + totals["rejected"] == totals["examples"]
    criteria = len(Criterion)
    assert totals["verdicts"] % criteria == 0, "one verdict per criterion per judge"
    assert totals["examples"] * criteria < totals["verdicts"] < totals["examples"] * 2 * criteria, \
        "the second judge only where the first accepted"
    with store.connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql)).scalar_one()  # noqa: E731
        assert q("SELECT count(*) FROM lbi.instructions WHERE origin = 'self_instruct'") == totals["instructions"]
        assert q("SELECT count(*) FROM lbi.instruction_sources") >= totals["instructions"]
        # every step index runs 1..n within its trajectory
        assert q("SELECT count(*) FROM lbi.trajectories t WHERE n_steps <> "
                 "(SELECT count(*) FROM lbi.steps s WHERE s.trajectory_id = t.id)") == 0
        assert q("SELECT count(*) FROM lbi.steps s JOIN lbi.trajectories t ON t.id = s.trajectory_id"
                 " WHERE s.idx > t.n_steps") == 0
        # every example's span lies inside its trajectory and is at most max_span_steps long
        assert q("SELECT count(*) FROM lbi.examples e JOIN lbi.trajectories t ON t.id = e.trajectory_id"
                 " WHERE e.end_step > t.n_steps OR e.end_step - e.start_step + 1 > 2") == 0
        assert q("SELECT count(*) FROM lbi.examples e JOIN lbi.instructions i ON i.id = e.instruction_id"
                 " WHERE i.origin <> 'backward' OR i.trajectory_id <> e.trajectory_id") == 0
        assert q("SELECT count(DISTINCT kind) FROM lbi.examples") == 2
        # unanimous: an accepted example has no rejecting verdict
        assert q("SELECT count(*) FROM lbi.examples e JOIN lbi.verdicts v ON v.example_id = e.id"
                 " WHERE e.status = 'accepted' AND NOT v.accept") == 0
        assert q("SELECT count(*) FROM lbi.verdicts WHERE length(rationale) = 0") == 0
        # unanimous, first judge first: the second is asked exactly where the first accepted every criterion
        assert q("SELECT count(*) FROM (SELECT example_id, judge, bool_and(accept) AS ok FROM lbi.verdicts"
                 " GROUP BY 1, 2) a WHERE a.judge = 'offline-judge-a' AND a.ok <> EXISTS (SELECT 1 FROM lbi.verdicts b"
                 " WHERE b.example_id = a.example_id AND b.judge = 'offline-judge-b')") == 0
        run = runs.get_run(conn, run_id=conn.execute(sa.text("SELECT id FROM lbi.runs")).scalar_one())
    assert run["status"] == "completed" and run["totals"]["accepted"] == totals["accepted"]
    assert totals["model_calls"] == run["llm_calls"] > 0


def test_second_run_makes_no_call_and_adds_no_row(store: sa.Engine) -> None:
    first = synthesize(SynthesizeParams(**SMALL))
    before = dataset.row_counts(store)
    second = synthesize(SynthesizeParams(**SMALL))
    assert dataset.row_counts(store) == before
    assert second["totals"]["model_calls"] == 0 and second["totals"]["failed_model_calls"] == 0
    assert second["totals"]["tokens"] == 0
    assert {k: v for k, v in second["totals"].items() if "cached" not in k and "call" not in k and k != "tokens"} == \
        {k: v for k, v in first["totals"].items() if "cached" not in k and "call" not in k and k != "tokens"}


def test_budget_cap_stops_cleanly_and_a_new_run_finishes_the_same_dataset(
    store: sa.Engine, new_store_url, monkeypatch: pytest.MonkeyPatch
) -> None:
    capped = synthesize(SynthesizeParams(**SMALL, max_llm_calls=12))
    assert capped["status"] == "budget_exhausted"
    assert "budget reached" in capped["message"] and "12 model calls (cap 12)" in capped["message"]
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lbi.llm_calls WHERE status = 'ok'")).scalar() == 12
        assert conn.execute(sa.text("SELECT status FROM lbi.runs")).scalar() == "budget_exhausted"
    resumed = synthesize(SynthesizeParams(**SMALL))
    assert resumed["status"] == "completed"
    with store.connect() as conn:
        paid = conn.execute(sa.text("SELECT count(*) FROM lbi.llm_calls WHERE status = 'ok'")).scalar()

    fresh_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", fresh_url)
    synthesize(SynthesizeParams(**SMALL))
    fresh = sa.create_engine(fresh_url)
    assert dataset.examples(store) == dataset.examples(fresh)
    assert dataset.trajectories(store) == dataset.trajectories(fresh)
    assert paid == dataset.row_counts(fresh)["paid_calls"], "the capped run's calls were not paid again"
    fresh.dispose()


def test_bad_documents_are_skipped_with_a_reason(store: sa.Engine, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.md").write_text("   \n\n")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (docs / "latin1.md").write_bytes("Caf\xe9 cr\xe8me, d\xe9j\xe0 vu".encode("latin-1"))
    (docs / "huge.txt").write_text("x" * 6_000_000)
    (docs / "good.md").write_text("# Customers\n\nThe Customer table lists each customer with Country and City.\n")
    result = synthesize(SynthesizeParams(docs=[str(docs)], instructions_per_doc=1, max_steps=2, max_span_steps=1))
    assert result["status"] == "completed"
    assert result["totals"]["documents"] == 1 and result["totals"]["skipped_documents"] == 4
    with store.connect() as conn:
        reasons = dict(conn.execute(sa.text("SELECT source, reason FROM lbi.skipped_documents")).all())
    by_name = {Path(source).name: reason for source, reason in reasons.items()}
    assert set(by_name) == {"empty.md", "binary.txt", "latin1.md", "huge.txt"}
    assert "empty" in by_name["empty.md"]
    assert "binary" in by_name["binary.txt"]
    assert "UTF-8" in by_name["latin1.md"] or "decode" in by_name["latin1.md"]
    assert "large" in by_name["huge.txt"] or "bytes" in by_name["huge.txt"]
