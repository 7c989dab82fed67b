"""Rollouts and labeling on a local Dask cluster of two worker processes: the same dataset."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.runners import task_runner
from flows.synthesize import synthesize
from tests.flows import dataset

def _runs_loaded_here() -> list[int]:
    """Runs whose tasks this process executed (each builds its runtime once per run)."""
    from lbi import runtime

    return list(runtime._runtimes)


PARAMS = SynthesizeParams(max_docs=1, instructions_per_doc=2, max_steps=3, max_span_steps=2)


@pytest.mark.usefixtures("lbi_env")
def test_dask_cluster_makes_the_same_dataset(prefect_api: str, store: sa.Engine, new_store_url,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import Client, LocalCluster

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # the workers are other processes
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        result = synthesize.with_options(task_runner=task_runner(workers=1, dask_address=cluster.scheduler_address))(PARAMS)
        runs_seen_by_workers = client.run(_runs_loaded_here)
    assert result["status"] == "completed" and result["totals"]["examples"] > 0
    assert len(runs_seen_by_workers) == 2
    assert any(result["run_id"] in runs for runs in runs_seen_by_workers.values()), "no task ran on a Dask worker"

    threads_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", threads_url)
    synthesize(PARAMS)
    dataset.assert_same_dataset(store, threads_url)
