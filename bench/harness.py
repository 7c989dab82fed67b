"""What the benchmarks share: a private embedded store, the offline model in its own process
with a fixed latency, a temporary Prefect server, and a timed synthesize run."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import httpx
import psycopg
import sqlalchemy as sa

from lbi.store import embedded
from lbi.store.migrate import migrate

# as `lbi synthesize` runs: no per-task-run log lines shipped to the Prefect server (set before Prefect loads)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

BENCH_HOME = Path(os.environ.get("LBI_BENCH_HOME", "/tmp/lbi-bench"))
_numbers = itertools.count()
_model_pids: dict[str, int] = {}


def fresh_database() -> str:
    """A new, migrated database on the benchmarks' own embedded server."""
    url = embedded.start(BENCH_HOME / "pgdata")
    info = embedded.running_info((BENCH_HOME / "pgdata").resolve())
    name = f"bench_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = embedded.url_for(info, name)
    engine = sa.create_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def offline_model(latency_ms: float, fault_rate: float = 0.0) -> Iterator[str]:
    """The offline model in a separate process, as a remote model would be."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lbi", "offline-model", "serve", "--port", str(port), "--latency-ms", str(latency_ms),
         "--fault-rate", str(fault_rate)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the offline model did not start")
                time.sleep(0.1)
        _model_pids[base + "/v1"] = process.pid
        yield base + "/v1"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@dataclass(frozen=True)
class Timed:
    seconds: float
    result: dict
    cpu: dict[str, float]  # CPU seconds the run used, by process group (see cpu_seconds)
    called_at: float  # when the flow was called (seconds since the epoch, as the store's clock)


def run_synthesis(params: object, *, database_url: str, model_url: str, concurrency: int) -> Timed:
    from flows.runners import task_runner
    from flows.synthesize import synthesize
    from lbi import runtime

    os.environ.update(LBI_DATABASE_URL=database_url, LBI_MODEL_BASE_URL=model_url,
                      LBI_MODEL_CONCURRENCY=str(concurrency))
    flow = synthesize.with_options(task_runner=task_runner(workers=2 * concurrency))
    before = cpu_seconds(model_url)
    called_at = time.time()
    started = time.perf_counter()
    try:
        result = flow(params)
        seconds = time.perf_counter() - started
        after = cpu_seconds(model_url)  # before the store's backends exit with their CPU times
    finally:
        runtime.dispose_engines()  # each run has its own database: keep no idle connections to it
    return Timed(seconds, result, {group: after[group] - before[group] for group in after}, called_at)


def run_synthesis_fresh(params: object, *, database_url: str, model_url: str, concurrency: int) -> Timed:
    """``run_synthesis`` in a new Python process (bench/fresh_run.py), as every `lbi synthesize` and
    deployment run is: nothing imported or started before the flow is called. The pipeline's and
    Postgres's CPU are counted there, around the flow call; the model's and Prefect's here."""
    import json

    from prefect.settings import PREFECT_API_URL

    script = Path(__file__).resolve().parent / "fresh_run.py"
    before = cpu_seconds(model_url)
    done = subprocess.run(
        [sys.executable, str(script), params.model_dump_json(), database_url, model_url, str(concurrency)],
        capture_output=True, text=True, env={**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()})
    after = cpu_seconds(model_url)
    if done.returncode != 0:
        raise RuntimeError(f"the fresh-process run failed: {done.stderr[-2000:]}")
    timed = Timed(**json.loads(done.stdout.strip().splitlines()[-1]))
    cpu = {**timed.cpu, **{group: after[group] - before[group] for group in ("model", "prefect")}}
    return replace(timed, cpu=cpu)


def ledger_by_role(database_url: str) -> dict[str, dict[str, int]]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT role, count(*) AS calls, sum(prompt_tokens + completion_tokens) AS tokens"
            " FROM lbi.llm_calls WHERE status = 'ok' GROUP BY role ORDER BY role"
        )).mappings().all()
    engine.dispose()
    return {r["role"]: {"calls": r["calls"], "tokens": int(r["tokens"])} for r in rows}


def answer_times(database_url: str, run_id: int) -> list[float]:
    """When each of the run's model calls was answered (its ledger row committed), in order, in seconds
    since the epoch."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        ends = conn.execute(sa.text(
            "SELECT extract(epoch FROM created_at) FROM lbi.llm_calls"
            " WHERE run_id = :r AND status = 'ok' ORDER BY created_at"), {"r": run_id}).scalars().all()
    engine.dispose()
    return [float(end) for end in ends]


def steady_calls_per_second(ends: list[float]) -> float:
    """Model calls answered per second between the run's 10th and 90th percentile of answered calls
    (``answer_times``): the rate once calls flow, without the run's start (ingest, the first tasks) and
    end (gates, indexing)."""
    first, last = len(ends) // 10, len(ends) * 9 // 10
    if last <= first or ends[last] <= ends[first]:
        return 0.0
    return (last - first) / (ends[last] - ends[first])


def cpu_seconds(model_url: str) -> dict[str, float]:
    """CPU seconds used so far, by process tree: the pipeline (this process and its descendants,
    the model transport included, with what their ended children used), the offline model's
    process, this harness's Postgres server (its postmaster's tree) and its Prefect server. Other
    processes on the machine are never counted, whatever their name."""
    from prefect.server.api.server import SubprocessASGIServer

    prefect = SubprocessASGIServer._instances.get(None)
    postgres = embedded.running_info((BENCH_HOME / "pgdata").resolve())
    roots = {
        "model": _model_pids.get(model_url),
        "postgres": postgres.pid if postgres else None,
        "prefect": prefect.server_process.pid if prefect and prefect.server_process else None,
    }
    apart = {pid for pid in roots.values() if pid is not None}
    children = _children_by_parent()
    used = {"pipeline": _tree_cpu(os.getpid(), children, apart)}
    used.update({group: _tree_cpu(pid, children, set()) if pid is not None else 0.0 for group, pid in roots.items()})
    return used


def _children_by_parent() -> dict[int, list[int]]:
    import psutil

    children: dict[int, list[int]] = {}
    for process in psutil.process_iter(["ppid"]):
        children.setdefault(process.info["ppid"], []).append(process.pid)
    return children


def _tree_cpu(root: int, children: dict[int, list[int]], apart: set[int]) -> float:
    """CPU seconds of ``root`` and its descendants but those under a pid in ``apart``, each
    with its ended children (the kernel adds a child's times to its parent when it is reaped)."""
    import psutil

    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:  # ended meanwhile: its parent counts it once it is reaped
            continue
        total += times.user + times.system + times.children_user + times.children_system
        todo.extend(child for child in children.get(pid, ()) if child not in apart)
    return total
