"""A run against a model failing 20% of the time completes with the fault-free dataset."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.models.offline.server import running
from tests.flows import dataset

PARAMS = SynthesizeParams(max_docs=2, instructions_per_doc=4, max_steps=3, max_span_steps=2)


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_twenty_percent_faults_change_nothing_but_the_ledger(store: sa.Engine, new_store_url,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LBI_MODEL_TIMEOUT_S", "2")
    monkeypatch.setenv("LBI_MODEL_MAX_RETRIES", "8")
    with running(fault_rate=0.2) as flaky:
        monkeypatch.setenv("LBI_MODEL_BASE_URL", flaky)
        result = synthesize(PARAMS)
        served = httpx.get(flaky.removesuffix("/v1") + "/stats").json()
    assert result["status"] == "completed"
    faults = served["faults"]
    assert sum(faults.values()) >= 10 and all(count > 0 for count in faults.values()), faults
    with store.connect() as conn:
        ledger = dict(conn.execute(sa.text("SELECT status, count(*) FROM lbi.llm_calls GROUP BY status")).all())
    assert ledger["invalid"] == faults["off_contract"]
    assert ledger["error"] == sum(faults.values()) - faults["off_contract"], "every failure is in the ledger"
    assert ledger["ok"] == served["answered"]

    clean_url = new_store_url()
    monkeypatch.setenv("LBI_DATABASE_URL", clean_url)
    with running(fault_rate=0.0) as clean_model:
        monkeypatch.setenv("LBI_MODEL_BASE_URL", clean_model)
        synthesize(PARAMS)
    dataset.assert_same_dataset(store, clean_url)
