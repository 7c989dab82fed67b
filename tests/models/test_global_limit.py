"""A Prefect global concurrency limit bounds model calls across clients (as across flow runs)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lbi.models.client import ClientOptions, ModelClient
from tests.models.held_server import held_server, order_behind_holder

LIMIT = "test-model-calls"


def _set_limit(slots: int) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as prefect:
        prefect.upsert_global_concurrency_limit_by_name(LIMIT, slots)


def _never_held() -> threading.Event:
    released = threading.Event()
    released.set()
    return released


def test_two_clients_together_stay_within_the_global_limit(store: sa.Engine, prefect_api: str) -> None:
    _set_limit(1)
    released = _never_held()
    options = ClientOptions(concurrency=2, timeout_s=10, global_limit_name=LIMIT)
    with held_server(released, delay_s=0.1) as (url, arrived, most):
        clients = [ModelClient(engine=store, base_url=url, api_key="k", run_id=None, options=options)
                   for _ in range(2)]
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(
                lambda i: clients[i % 2].complete(role="r", model="m", messages=[{"role": "user", "content": f"q{i}"}]),
                range(6)))
        for client in clients:
            client.close()
    assert [a.text for a in answers] == [f"q{i}" for i in range(6)] and len(arrived) == 6
    assert most[0] == 1, f"{most[0]} calls were in flight at once under a global limit of 1"


def test_under_a_global_limit_waiting_calls_still_go_lowest_priority_first(store: sa.Engine, prefect_api: str) -> None:
    _set_limit(10)
    hold = threading.Event()
    waiters = [("p7", 7), ("p3", 3), ("p9", 9), ("p1", 1), ("p5", 5)]
    options = ClientOptions(concurrency=1, timeout_s=10, global_limit_name=LIMIT)
    with held_server(hold) as (url, arrived, _):
        model = ModelClient(engine=store, base_url=url, api_key="k", run_id=None, options=options)

        def ask(content: str, priority: int) -> str:
            return model.complete(role="r", model="m", messages=[{"role": "user", "content": content}],
                                  priority=priority).text

        order = order_behind_holder(ask, arrived, hold, waiters, spacing_s=0.1)  # each waits for the local slot
        model.close()
    assert order == ["p1", "p3", "p5", "p7", "p9"]


def test_slots_leased_in_blocks_go_back_to_the_limit_once_idle(store: sa.Engine, prefect_api: str) -> None:
    _set_limit(8)
    released = _never_held()
    options = ClientOptions(concurrency=4, timeout_s=10, global_limit_name=LIMIT)
    with held_server(released, delay_s=0.05) as (url, arrived, most):
        model = ModelClient(engine=store, base_url=url, api_key="k", run_id=None, options=options)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: model.complete(role="r", model="m", messages=[{"role": "user", "content": f"b{i}"}]),
                          range(12)))
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as prefect:
            active_after_calls = prefect.read_global_concurrency_limit_by_name(LIMIT).active_slots
            deadline = time.monotonic() + 5
            while prefect.read_global_concurrency_limit_by_name(LIMIT).active_slots and time.monotonic() < deadline:
                time.sleep(0.1)
            active_when_idle = prefect.read_global_concurrency_limit_by_name(LIMIT).active_slots
        model.close()
    assert len(arrived) == 12 and most[0] <= 4
    assert active_after_calls <= 4, f"the client holds {active_after_calls} slots, more than it can use"
    assert active_when_idle == 0, f"{active_when_idle} slots still leased by an idle client"
