"""The gates inside the synthesize flow: a clean run passes; a store corrupted on purpose stops
the rerun at the gate after the stage that covers the bad rows, naming the check and the ids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from flows.synthesize import synthesize
from lbi.quality.config import GateConfig
from lbi.quality.outcome import GateFailed
from lbi.quality.runner import validate
from lbi.quality.scope import Scope
from lbi.quality.suites import SUITES
from tasks.report import artifact_key
from tests.quality.synthesized import SMALL

pytestmark = pytest.mark.usefixtures("prefect_api")

SUITES_IN_ORDER = ["documents", "instructions", "trajectories", "examples", "verdicts", "model_calls", "embeddings"]


def _scalar(engine: sa.Engine, sql: str) -> int:
    with engine.begin() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def _gates(engine: sa.Engine, run_id: int) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT suite, outcome FROM lbi.gate_results WHERE run_id = :r"),
                                 {"r": run_id}).all())


def _stopped_rerun(engine: sa.Engine) -> tuple[str, int]:
    """Rerun the flow over the corrupted store; the gate's message and the run's id."""
    with pytest.raises(GateFailed) as stopped:
        synthesize(SMALL)
    with engine.connect() as conn:
        run = conn.execute(sa.text("SELECT id, status, message FROM lbi.runs ORDER BY id DESC LIMIT 1")).one()
    assert run.status == "failed" and str(stopped.value) in run.message
    return str(stopped.value), run.id


def test_a_clean_run_passes_every_gate_and_records_what_it_covered(synthesized_store: sa.Engine) -> None:
    assert _gates(synthesized_store, 1) == dict.fromkeys(SUITES_IN_ORDER, "passed")
    with synthesized_store.connect() as conn:
        covered = dict(conn.execute(sa.text("SELECT stage, cardinality(ids) FROM lbi.run_stage_ids"
                                            " WHERE run_id = 1")).all())
        run = conn.execute(sa.text("SELECT totals FROM lbi.runs WHERE id = 1")).scalar_one()
    assert covered == {"ingest": run["chunks"], "self_instruct": run["instructions"],
                       "rollout": run["trajectories"], "backward": run["examples"], "judge": run["examples"],
                       "index": run["accepted"]}
    rerun = synthesize(SMALL)
    assert rerun["status"] == "completed"
    assert _gates(synthesized_store, rerun["run_id"]) == dict.fromkeys(SUITES_IN_ORDER, "passed")
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(any_=[artifact_key("quality-verdicts-sqlite-chinook-v0",
                                                                engine=synthesized_store)])))
    assert f"quality gate 'verdicts' passed on run {rerun['run_id']}" in artifact.description


def test_an_empty_task_stops_the_run_after_self_instruct(synthesized_store: sa.Engine) -> None:
    task = _scalar(synthesized_store, "UPDATE lbi.instructions SET text = ' ' WHERE id ="
                                      " (SELECT min(id) FROM lbi.instructions WHERE origin = 'self_instruct')"
                                      " RETURNING id")
    message, run_id = _stopped_rerun(synthesized_store)
    assert "after stage self_instruct" in message and "'instructions'" in message
    assert "task_not_empty" in message and f"instruction_id {task}" in message
    assert _gates(synthesized_store, run_id) == {"documents": "passed", "instructions": "stopped",
                                                  "model_calls": "passed"}, "no stage ran after the gate"


def test_a_step_gap_stops_the_run_after_rollout(synthesized_store: sa.Engine) -> None:
    trajectory = _scalar(synthesized_store, "DELETE FROM lbi.steps WHERE idx = 1 AND trajectory_id ="
                                            " (SELECT min(id) FROM lbi.trajectories WHERE n_steps >= 2)"
                                            " RETURNING trajectory_id")
    message, run_id = _stopped_rerun(synthesized_store)
    assert "after stage rollout" in message and "'trajectories'" in message
    assert "steps_contiguous" in message and f"trajectory_id {trajectory}" in message
    assert "examples" not in _gates(synthesized_store, run_id)


def test_a_span_past_the_end_stops_the_run_after_backward(synthesized_store: sa.Engine) -> None:
    example = _scalar(synthesized_store, "UPDATE lbi.examples e SET end_step = t.n_steps + 1 FROM lbi.trajectories t"
                                         " WHERE t.id = e.trajectory_id AND e.id = (SELECT min(id) FROM lbi.examples)"
                                         " RETURNING e.id")
    message, run_id = _stopped_rerun(synthesized_store)
    assert "after stage backward" in message and "'examples'" in message
    assert "span_within_trajectory" in message and f"example_id {example}" in message
    assert "verdicts" not in _gates(synthesized_store, run_id)


def test_an_accepted_example_with_a_rejecting_verdict_stops_the_run_after_judging(
    synthesized_store: sa.Engine,
) -> None:
    """A trigger stands in for a buggy decision writer: it accepts one example the judges rejected."""
    example = _scalar(synthesized_store, "SELECT min(example_id) FROM lbi.verdicts WHERE NOT accept")
    with synthesized_store.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION lbi.accept_anyway() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN NEW.status := 'accepted'; RETURN NEW; END $$")
        conn.exec_driver_sql(
            f"CREATE TRIGGER accept_anyway BEFORE UPDATE ON lbi.examples FOR EACH ROW WHEN (NEW.id = {example})"
            " EXECUTE FUNCTION lbi.accept_anyway()")
    message, run_id = _stopped_rerun(synthesized_store)
    assert "after stage judge" in message and "'verdicts'" in message
    assert "unanimous_accept_has_no_rejection" in message and f"example_id {example}" in message
    assert _gates(synthesized_store, run_id)["verdicts"] == "stopped"


def test_the_keep_rate_bounds_warn_by_default_and_stop_when_configured(
    synthesized_store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LBI_GATE_KEEP_RATE_MAX", "0.05")
    warned = synthesize(SMALL)
    assert warned["status"] == "completed"
    with synthesized_store.connect() as conn:
        gate = conn.execute(sa.text("SELECT outcome, failed_check, severity, message FROM lbi.quality_gates"
                                    " WHERE run_id = :r AND suite = 'verdicts'"), {"r": warned["run_id"]}).one()
    assert (gate.outcome, gate.failed_check, gate.severity) == ("warned", "keep_rate_in_bounds", "warn")
    assert "suspicious" in gate.message and "observed keep_rate=" in gate.message

    monkeypatch.setenv("LBI_GATE_SEVERITY", '{"keep_rate_in_bounds": "stop"}')
    message, _ = _stopped_rerun(synthesized_store)
    assert "keep_rate_in_bounds" in message and "[1%, 5%]" in message


def test_a_runs_index_gate_validates_its_own_examples_embeddings_only(synthesized_store: sa.Engine) -> None:
    """Not the whole store's, which would make every run's last gate grow with the store."""
    embeddings = _scalar(synthesized_store, "SELECT count(*) FROM lbi.embeddings")
    assert embeddings > 0
    assert validate(synthesized_store, SUITES["embeddings"], Scope(run_id=1), GateConfig()).rows == embeddings
    assert validate(synthesized_store, SUITES["embeddings"], Scope(run_id=2), GateConfig()).rows == 0
    assert validate(synthesized_store, SUITES["embeddings"], Scope(), GateConfig()).rows == embeddings
