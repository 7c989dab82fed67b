"""A stopped client (its run is stopping): calls waiting for a slot are dropped unsent, no new
call is made, and the call already sent finishes and is recorded."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from lbi.errors import RunStopped
from lbi.models.client import ClientOptions, ModelClient
from lbi.store import runs
from tests.models.held_server import held_server


def _ask(client: ModelClient, content: str) -> str:
    return client.complete(role="r", model="m", messages=[{"role": "user", "content": content}]).text


def test_stopping_drops_the_waiting_calls_and_refuses_new_ones(store: sa.Engine) -> None:
    with store.begin() as conn:
        run_id = runs.create_run(conn, flow="test", environment_id=None, params={}, max_llm_calls=None,
                                 max_tokens=None)
    hold = threading.Event()
    with held_server(hold) as (url, arrived, _):
        client = ModelClient(engine=store, base_url=url, api_key="k", run_id=run_id,
                             options=ClientOptions(concurrency=1, timeout_s=10, backoff_base_s=0.01))
        with ThreadPoolExecutor(4) as pool:
            holder = pool.submit(_ask, client, "holder")
            while not arrived:
                time.sleep(0.005)
            waiting = [pool.submit(_ask, client, f"w{i}") for i in range(3)]
            time.sleep(0.2)  # the three wait in the transport for the one slot
            client.stop("gate trajectories stopped the run")
            for future in waiting:
                with pytest.raises(RunStopped, match="gate trajectories stopped the run"):
                    future.result(5)
            assert not holder.done(), "the call already sent was not left to finish"
            hold.set()
            assert holder.result(5) == "holder"
        with pytest.raises(RunStopped):
            _ask(client, "after")
        client.close()
    assert arrived == ["holder"]
    with store.connect() as conn:
        ledger = conn.execute(sa.text("SELECT status, error FROM lbi.llm_calls ORDER BY id")).all()
    assert sorted(status for status, _ in ledger) == ["error", "error", "error", "ok"]
    assert all("the run is stopping" in error for status, error in ledger if status == "error")
