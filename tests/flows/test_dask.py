"""Runs on a local Dask cluster of two worker processes: the same dataset as with threads, nothing of a
run left on a worker once it ends, and a gate that stops the run stops the calls on every worker."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.runners import task_runner
from flows.synthesize import synthesize
from lbi.quality.outcome import GateFailed
from tests.flows import dataset

PARAMS = SynthesizeParams(max_docs=1, instructions_per_doc=2, max_steps=3, max_span_steps=2)


def _what_a_worker_holds(dask_worker: Any) -> dict[str, Any]:
    """Tasks this worker ran, and what it still holds of any run: runtimes, child processes (a model
    client's transport), store engines."""
    import psutil

    from lbi import runtime

    return {"tasks_run": dask_worker.state.executed_count, "runtimes": list(runtime._runtimes),
            "children": len(psutil.Process().children(recursive=True)), "engines": len(runtime._engines)}


@pytest.fixture
def cluster(prefect_api: str, lbi_env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    from distributed import Client, LocalCluster

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # the workers are other processes
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def test_dask_cluster_makes_the_same_dataset_and_leaves_nothing_on_its_workers(
        cluster: Any, store: sa.Engine, new_store_url, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    flow_log = logging.getLogger("prefect.flow_runs")
    flow_log.addHandler(caplog.handler)  # Prefect's loggers do not propagate to the root
    try:
        with caplog.at_level(logging.INFO, logger="prefect.flow_runs"):
            result = synthesize.with_options(
                task_runner=task_runner(workers=1, dask_address=cluster.scheduler.address))(PARAMS)
    finally:
        flow_log.removeHandler(caplog.handler)
    assert result["status"] == "completed" and result["totals"]["examples"] > 0
    paid = [int(m.group(1)) for m in re.finditer(r"model calls since the last batch: (\d+) paid", caplog.text)]
    assert paid and sum(paid) > 0, "the batch lines count the calls the workers made"
    held = cluster.run(_what_a_worker_holds)
    assert len(held) == 2 and sum(h["tasks_run"] for h in held.values()) > 0, held
    assert all(h["runtimes"] == [] and h["children"] == 0 and h["engines"] == 0 for h in held.values()), held

    threads_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", threads_url)
    synthesize(PARAMS)
    dataset.assert_same_dataset(store, threads_url)


def test_a_gate_that_stops_the_run_stops_the_calls_on_every_worker(
        cluster: Any, store: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from lbi.models.offline.server import running

    monkeypatch.setenv("LBI_GATE_MAX_INSTRUCTION_CHARS", "1")  # every task is too long: the gate after
    monkeypatch.setenv("LBI_GATE_SEVERITY", '{"task_length_bounded": "stop"}')  # self-instruct stops the run
    monkeypatch.setenv("LBI_UNITS_PER_TASK", "2")  # rollouts spread over both workers
    with running(latency_ms=1500) as slow_model:
        monkeypatch.setenv("LBI_MODEL_BASE_URL", slow_model)
        runner = task_runner(workers=1, dask_address=cluster.scheduler.address)
        with pytest.raises(GateFailed, match="after stage self_instruct"):
            synthesize.with_options(task_runner=runner)(
                SynthesizeParams(max_docs=1, instructions_per_doc=8, max_steps=12))
    with store.connect() as conn:
        stopped_at = conn.execute(sa.text("SELECT checked_at FROM lbi.gate_results WHERE stage = 'self_instruct'"
                                          " AND outcome = 'stopped'")).scalar_one()
        tasks, trajectories, paid_long_after = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM lbi.instructions WHERE origin = 'self_instruct'),"
            " (SELECT count(*) FROM lbi.trajectories),"
            " (SELECT count(*) FROM lbi.llm_calls WHERE role = 'actor' AND status <> 'error'"
            "   AND created_at > :t + interval '6 seconds')"), {"t": stopped_at}).one()
    # every task went to a rollout before the gate ran (it runs once self-instruct is complete), so a
    # rollout missing is one a worker cut short at the stop
    assert trajectories < tasks, "every rollout ran to its end on the workers despite the stop"
    assert paid_long_after == 0, "a worker kept paying for rollout calls after the gate stopped the run"
    held = cluster.run(_what_a_worker_holds)
    assert all(h["runtimes"] == [] and h["children"] == 0 for h in held.values()), held
