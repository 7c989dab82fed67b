"""The units' thread pool: every call runs at once, whatever is waiting, and idle threads end."""

from __future__ import annotations

import threading
from concurrent.futures import wait

import pytest

from lbi.elastic_threads import ElasticThreadPool
from tests.eventually import eventually


def _pool_threads(name: str) -> int:
    return sum(t.name.startswith(name + "_") for t in threading.enumerate())


def test_calls_waiting_on_each_other_all_run_then_idle_threads_end() -> None:
    pool = ElasticThreadPool("elastic-a", idle_s=0.3)
    everyone = threading.Barrier(200, timeout=20)  # passes only once all 200 calls run at the same time

    def call(n: int) -> tuple[int, str]:
        everyone.wait()
        return n, threading.current_thread().name

    futures = [pool.submit(call, n) for n in range(200)]
    wait(futures, timeout=30)
    assert [f.result()[0] for f in futures] == list(range(200))
    assert len({f.result()[1] for f in futures}) == 200
    assert eventually(lambda: _pool_threads("elastic-a") == 0)


def test_idle_threads_are_reused_and_errors_reach_the_caller() -> None:
    pool = ElasticThreadPool("elastic-b", idle_s=5)
    for n in range(50):  # one call at a time: one thread serves them all
        assert pool.submit(lambda n=n: n * 2).result(timeout=5) == n * 2
        assert eventually(lambda: pool._unclaimed_idle == 1)
    assert _pool_threads("elastic-b") == 1
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(timeout=5)
    assert pool.submit(lambda: "still serving").result(timeout=5) == "still serving"


def test_a_call_submitted_as_an_idle_thread_times_out_still_runs() -> None:
    pool = ElasticThreadPool("elastic-c", idle_s=0.01)  # threads end almost as soon as they are idle
    for n in range(2000):
        assert pool.submit(lambda n=n: n).result(timeout=5) == n
    assert eventually(lambda: _pool_threads("elastic-c") == 0)
