"""Units batched per Prefect task run: the batch size changes how many task runs Prefect tracks,
never the dataset."""

from __future__ import annotations

import time
from typing import Callable

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from tests.flows import dataset

PARAMS = SynthesizeParams(max_docs=1, instructions_per_doc=3, max_steps=2, max_span_steps=1)

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def _rollout_task_runs(engine: sa.Engine, run_id: int, enough: Callable[[list[str]], bool]) -> list[str]:
    """The names of the run's rollout task runs in the order they were made, once ``enough`` of them
    are recorded (Prefect's events may land a moment late) or after 15 s."""
    with engine.connect() as conn:
        flow_run_id = conn.execute(sa.text("SELECT flow_run_id FROM lbi.runs WHERE id = :r"), {"r": run_id}).scalar_one()
    deadline = time.monotonic() + 15
    while True:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        names = [name for _, name in sorted((run.expected_start_time, run.name) for run in runs
                                            if run.name.startswith("rollout["))]
        if enough(names) or time.monotonic() > deadline:
            return names


def _units(name: str) -> int:
    """A task run's units, from its name (``rollout[41..48] (8 units)``)."""
    return int(name.rsplit("(", 1)[1].split()[0])


def test_the_batch_size_changes_the_task_runs_not_the_dataset(
    store: sa.Engine, new_store_url, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LBI_UNITS_PER_TASK", "1")
    one_each = synthesize(PARAMS)
    instructions = one_each["totals"]["instructions"]
    assert instructions >= 3
    assert len(_rollout_task_runs(store, one_each["run_id"], lambda names: len(names) >= instructions)) == instructions

    batched_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", batched_url)
    monkeypatch.setenv("LBI_UNITS_PER_TASK", "2")
    batched = synthesize(PARAMS)
    batched_store = sa.create_engine(batched_url)
    try:
        sizes = [_units(name) for name in _rollout_task_runs(
            batched_store, batched["run_id"], lambda names: sum(map(_units, names)) >= instructions)]
        assert sum(sizes) == instructions and set(sizes) <= {1, 2}
    finally:
        batched_store.dispose()
    dataset.assert_same_dataset(store, batched_url)


def test_unset_the_batch_grows_to_half_the_model_concurrency_at_least_8(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stage's first task runs are small (flows.streaming.FIRST_BATCH_UNITS), each twice the one before,
    up to the batch size."""
    monkeypatch.delenv("LBI_UNITS_PER_TASK", raising=False)
    monkeypatch.setenv("LBI_MODEL_CONCURRENCY", "32")
    result = synthesize(SynthesizeParams(max_docs=3, instructions_per_doc=12, max_steps=1, max_span_steps=1))
    instructions = result["totals"]["instructions"]
    assert instructions >= 2 + 4 + 8 + 16
    sizes = [_units(name) for name in _rollout_task_runs(
        store, result["run_id"], lambda names: sum(map(_units, names)) >= instructions)]
    assert sum(sizes) == instructions and sizes[0] == 2 and max(sizes) == 16, sizes
