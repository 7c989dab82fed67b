"""What the benchmarks share: a private embedded store, the offline model in its own process
with a fixed latency, a temporary Prefect server, and a timed synthesize run."""

from __future__ import annotations

import atexit
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
import psutil
import psycopg
import sqlalchemy as sa

from bench.process_cpu import cpu_by_group
from lbi.store import embedded
from lbi.store.migrate import migrate

# as `lbi synthesize` runs: no per-task-run log lines shipped to the Prefect server (set before Prefect loads)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

BENCH_HOME = Path(os.environ.get("LBI_BENCH_HOME", "/tmp/lbi-bench"))
_numbers = itertools.count()
_created: list[str] = []  # this process's databases, dropped at its exit
_model_pids: dict[str, int] = {}


def reference_loop_ms() -> float:
    """Milliseconds a fixed single-threaded Python loop takes on this machine now (the best of three):
    on a shared machine the same code ran ~1.5 times slower on some hours than on others, so figures
    from two runs compare only beside this one."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return 1000 * best


def server_info() -> embedded.PostmasterInfo:
    """The benchmarks' own embedded server, started if it is not running."""
    embedded.start(BENCH_HOME / "pgdata")
    return embedded.running_info((BENCH_HOME / "pgdata").resolve())


def server_connection() -> psycopg.Connection:
    """The benchmarks' own embedded server as its superuser."""
    return embedded.admin_connection(server_info())


def fresh_database() -> str:
    """A new, migrated database on the benchmarks' own embedded server, dropped when this process
    exits; the first call also drops those a benchmark that was killed left behind."""
    name = f"bench_{os.getpid()}_{next(_numbers)}"
    info = server_info()
    with embedded.admin_connection(info) as conn:
        if not _created:
            _drop(conn, _left_by_ended_processes(conn))
            atexit.register(_drop_created)
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
        _created.append(name)
    url = embedded.url_for(info, name)
    engine = sa.create_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def _left_by_ended_processes(conn: psycopg.Connection) -> list[str]:
    names = [row[0] for row in conn.execute(r"SELECT datname FROM pg_database WHERE datname ~ '^bench_\d+_\d+$'")]
    return [name for name in names if not psutil.pid_exists(int(name.split("_")[1]))]


def _drop_created() -> None:
    with server_connection() as conn:
        _drop(conn, _created)


def _drop(conn: psycopg.Connection, names: list[str]) -> None:
    for name in names:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


def finished_at(database_url: str, run_id: int) -> float:
    """When the run's row was marked finished (the flow body's end, before its report), in seconds since
    the epoch."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        finished = conn.execute(sa.text("SELECT extract(epoch FROM finished_at) FROM lbi.runs WHERE id = :r"),
                                {"r": run_id}).scalar_one()
    engine.dispose()
    return float(finished)


def steady_window(ends: list[float]) -> tuple[int, int]:
    """The indices in ``answer_times`` of the run's 10th and 90th percentile of answered calls: the
    calls between them flow once the run's start (ingest, the first tasks) is over and before its end
    (the last gates, indexing, the report)."""
    return len(ends) // 10, len(ends) * 9 // 10


def steady_calls_per_second(ends: list[float]) -> float:
    """Model calls answered per second in the run's ``steady_window``."""
    first, last = steady_window(ends)
    if last <= first or ends[last] <= ends[first]:
        return 0.0
    return (last - first) / (ends[last] - ends[first])


def cpu_roots(model_url: str) -> dict[str, int | None]:
    """The root pid of each process group the benchmarks count: the pipeline (this process and its
    descendants, the model transport and the gates' worker included), the offline model's process,
    this harness's Postgres server (its postmaster) and its Prefect server."""
    from prefect.server.api.server import SubprocessASGIServer

    prefect = SubprocessASGIServer._instances.get(None)
    postgres = embedded.running_info((BENCH_HOME / "pgdata").resolve())
    return {
        "pipeline": os.getpid(),
        "model": _model_pids.get(model_url),
        "postgres": postgres.pid if postgres else None,
        "prefect": prefect.server_process.pid if prefect and prefect.server_process else None,
    }


def cpu_seconds(model_url: str) -> dict[str, float]:
    """CPU seconds used so far by each of ``cpu_roots``'s groups, by process tree: other processes on
    the machine are never counted, whatever their name."""
    return cpu_by_group(cpu_roots(model_url))


@contextmanager
def cpu_samples(model_url: str, interval_s: float = 0.5) -> Iterator[list[tuple[float, dict[str, float]]]]:
    """``cpu_seconds`` every ``interval_s`` while the block runs, taken by a process of its own
    (bench/cpu_sampler.py) so that sampling adds nothing to the pipeline's own CPU: the list yielded
    holds (seconds since the epoch, CPU by group) once the block has ended. A sample walks every
    process on the machine (~6 ms for 84 processes): at the default interval ~1-2 % of one core."""
    import json
    import threading

    script = Path(__file__).resolve().parent / "cpu_sampler.py"
    sampler = subprocess.Popen([sys.executable, str(script), json.dumps(cpu_roots(model_url)), str(interval_s)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(sampler.stdout), daemon=True)
    reader.start()
    samples: list[tuple[float, dict[str, float]]] = []
    try:
        while not lines and sampler.poll() is None:  # its first sample is the run's start
            time.sleep(0.01)
        yield samples
    finally:
        sampler.stdin.close()
        sampler.wait(30)
        reader.join(30)
        samples.extend((when, used) for when, used in map(json.loads, lines))


def cpu_between(samples: list[tuple[float, dict[str, float]]], start: float, end: float) -> dict[str, float]:
    """CPU seconds each group used from ``start`` to ``end`` (seconds since the epoch), interpolated
    between ``cpu_samples``'s samples."""
    def at(when: float) -> dict[str, float]:
        index = next((i for i, (sampled, _) in enumerate(samples) if sampled >= when), len(samples) - 1)
        (t0, before), (t1, after) = samples[max(0, index - 1)], samples[index]
        share = 0.0 if t1 <= t0 else min(1.0, max(0.0, (when - t0) / (t1 - t0)))
        return {group: before[group] + share * (after[group] - before[group]) for group in after}

    first, last = at(start), at(end)
    return {group: last[group] - first[group] for group in last}
