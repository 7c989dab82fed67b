"""What a task needs to do its work for a run, built once per process from the run's row.

Prefect tasks receive ids only; each process (the flow's, or a distributed
worker's) rebuilds the store engine, the model client and the environment
spec from the run's parameters and the LBI_* settings.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lbi.config import Settings
from lbi.content_claims import ContentClaims
from lbi.envs import families, registry
from lbi.envs.base import Environment, EnvSpec
from lbi.models.client import ClientOptions, ModelClient
from lbi.store import engine as store_engine
from lbi.store import runs


_lock = threading.RLock()


@dataclass(frozen=True)
class Runtime:
    run_id: int
    engine: sa.Engine
    client: ModelClient
    params: dict[str, Any]
    spec: EnvSpec
    settings: Settings
    content_claims: ContentClaims = field(default_factory=ContentClaims)  # backward construction's, this run's

    def make_env(self) -> Environment:
        return registry.make(self.params["env"])

    def start_observation(self) -> str:
        """What the environment shows when an episode starts (self-instruct grounds its tasks in it): one
        episode's reset per run and process, which the callers that come meanwhile wait for; after a
        failure the next caller tries again."""
        with _lock:
            pending = _start_observations.get(self.run_id)
            mine = pending is None or (pending.done() and pending.exception() is not None)
            if mine:
                pending = _start_observations[self.run_id] = Future()
        if mine:
            self._reset_into(pending)
        return pending.result()

    def start_observation_soon(self) -> None:
        """Reset the first episode now, on a thread of its own, so the first tasks proposed do not wait
        for it (for SQLite ~0.25 s: its worker zygote starts, then a worker opens the database). An error
        is left to the callers of ``start_observation``: the first after it tries again."""
        with _lock:
            if self.run_id in _start_observations:
                return
            pending = _start_observations[self.run_id] = Future()
        threading.Thread(target=self._reset_into, args=(pending,), name=f"start-observation-{self.run_id}",
                         daemon=True).start()

    def _reset_into(self, pending: Future[str]) -> None:
        try:
            with self.make_env() as env:
                pending.set_result(env.reset().text)
        except BaseException as error:  # noqa: BLE001 - raised to every caller waiting for it
            pending.set_exception(error)


_engines: dict[tuple[str, int], sa.Engine] = {}


def engine_for(url: str, pool_size: int) -> sa.Engine:
    """One engine (one connection pool) per store and pool size in this process."""
    with _lock:
        if (url, pool_size) not in _engines:
            _engines[(url, pool_size)] = store_engine.create_engine(url, pool_size=pool_size)
        return _engines[(url, pool_size)]


def dispose_engines() -> None:
    """Close every pooled connection this process holds (tests and benchmarks call it between stores)."""
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def store(settings: Settings) -> sa.Engine:
    return engine_for(store_engine.database_url(settings), settings.model_concurrency + 8)


def client_options(settings: Settings) -> ClientOptions:
    return ClientOptions(
        concurrency=settings.model_concurrency,
        timeout_s=settings.model_timeout_s,
        max_retries=settings.model_max_retries,
        temperature=settings.model_temperature,
        max_tokens=settings.model_max_tokens,
        global_limit_name=settings.model_global_limit_name,
        global_limit_block=settings.model_global_limit_block,
        request_metadata=settings.model_request_metadata,
        requests_per_minute=settings.model_rpm,
        tokens_per_minute=settings.model_tpm,
    )


_runtimes: dict[int, Runtime] = {}
_start_observations: dict[int, Future[str]] = {}
_stopped: dict[int, str] = {}  # run -> why: its clients made here, now or later, make no call


def for_run(run_id: int) -> Runtime:
    with _lock:
        if run_id not in _runtimes:
            settings = Settings()
            engine = store(settings)
            with engine.connect() as conn:
                params = runs.get_run(conn, run_id=run_id)["params"]
            client = ModelClient(
                engine=engine,
                base_url=params["model_base_url"],
                api_key=settings.model_api_key.get_secret_value(),
                run_id=run_id,
                options=client_options(settings),
            )
            if run_id in _stopped:
                client.stop(_stopped[run_id])
            _runtimes[run_id] = Runtime(run_id, engine, client, params, registry.spec(params["env"]), settings)
        return _runtimes[run_id]


def stop(run_id: int, reason: str) -> None:
    """No more model calls for the run in this process (tasks of it that start later included)."""
    with _lock:
        _stopped[run_id] = reason
        runtime = _runtimes.get(run_id)
    if runtime is not None:
        runtime.client.stop(reason)


def release(run_id: int) -> None:
    with _lock:
        runtime = _runtimes.pop(run_id, None)
        starting = _start_observations.pop(run_id, None)
        _stopped.pop(run_id, None)
    if starting is not None:
        wait([starting])  # its episode ends before the family's helpers are released
    if runtime is not None:
        runtime.client.close()
        families.family(runtime.spec.family).release()  # a worker process holds no helper process between runs
