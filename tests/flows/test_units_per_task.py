"""Units batched per Prefect task run: the batch size changes how many task runs Prefect tracks,
never the dataset."""

from __future__ import annotations

import math
import time

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from tests.flows import dataset

PARAMS = SynthesizeParams(max_docs=1, instructions_per_doc=3, max_steps=2, max_span_steps=1)

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def _rollout_task_runs(engine: sa.Engine, run_id: int, expected: int) -> int:
    """How many rollout task runs Prefect recorded for the run (its events may land a moment late)."""
    with engine.connect() as conn:
        flow_run_id = conn.execute(sa.text("SELECT flow_run_id FROM lbi.runs WHERE id = :r"), {"r": run_id}).scalar_one()
    deadline = time.monotonic() + 15
    while True:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        count = sum(run.name.startswith("rollout[") for run in runs)  # named by the ids they cover
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.5)


def test_the_batch_size_changes_the_task_runs_not_the_dataset(
    store: sa.Engine, new_store_url, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LBI_UNITS_PER_TASK", "1")
    one_each = synthesize(PARAMS)
    instructions = one_each["totals"]["instructions"]
    assert instructions >= 3
    assert _rollout_task_runs(store, one_each["run_id"], instructions) == instructions

    batched_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", batched_url)
    monkeypatch.setenv("LBI_UNITS_PER_TASK", "2")
    batched = synthesize(PARAMS)
    batched_store = sa.create_engine(batched_url)
    try:
        assert _rollout_task_runs(batched_store, batched["run_id"], math.ceil(instructions / 2)) == \
            math.ceil(instructions / 2)
    finally:
        batched_store.dispose()
    dataset.assert_same_dataset(store, batched_url)


def test_unset_the_batch_is_half_the_model_concurrency_at_least_8(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LBI_UNITS_PER_TASK", raising=False)
    monkeypatch.setenv("LBI_MODEL_CONCURRENCY", "32")
    result = synthesize(SynthesizeParams(max_docs=1, instructions_per_doc=12, max_steps=1, max_span_steps=1))
    instructions = result["totals"]["instructions"]
    assert instructions > 8  # 8 a task run would make two runs or more
    assert _rollout_task_runs(store, result["run_id"], math.ceil(instructions / 16)) == math.ceil(instructions / 16)
