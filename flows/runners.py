"""Which task runner a flow run uses: threads here, or a Dask cluster when an address is given; and
reaching every process that runs a flow run's tasks (a stop, the release at the end)."""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable

from prefect.context import FlowRunContext
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from lbi import runtime
from lbi.models import transport

log = logging.getLogger(__name__)


def task_runner(*, workers: int, dask_address: str | None = None) -> TaskRunner:
    """Threads in this process by default; with ``dask_address`` (``tcp://host:8786``) the
    tasks run on that cluster's workers, each rebuilding its store and model client from the run."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=workers)


def unwalked(value: Any) -> Any:
    """``value`` as a task parameter Prefect does not walk element by element looking for futures (a
    run's id lists and the accepted examples' documents). Only on threads: Dask
    rebuilds the tuple that ``quote`` is, and the task would get the wrapper instead of the value."""
    context = FlowRunContext.get()
    return quote(value) if context and isinstance(context.task_runner, ThreadPoolTaskRunner) else value


def _on_task_workers(function: Callable[..., Any], *args: Any) -> None:
    """``function(*args)`` in every Dask worker of this flow run's task runner (none with threads)."""
    context = FlowRunContext.get()
    dask = sys.modules.get("prefect_dask")  # imported when a flow run uses it
    if context and dask and isinstance(context.task_runner, dask.DaskTaskRunner):
        try:
            context.task_runner.client.run(function, *args)
        except Exception as error:  # a lost worker holds nothing more; the run's own outcome stands
            log.warning("could not run %s on the Dask workers: %s: %s", function.__name__, type(error).__name__, error)


def stop_run(run_id: int, reason: str) -> None:
    """No more model calls for the run, here and on every worker: waiting calls are dropped, units under
    way end at their next call, and tasks that start later make none."""
    runtime.stop(run_id, reason)
    _on_task_workers(runtime.stop, run_id, reason)


def release_run(run_id: int) -> None:
    """Nothing of the run stays in any process that ran its tasks: its model client and transport process,
    and on the workers the pooled store connections. A transport process is started for the next run
    in this process (it waits, idle, for a client)."""
    runtime.release(run_id)
    _on_task_workers(_release_on_worker, run_id)
    transport.prestart()


def _release_on_worker(run_id: int) -> None:
    runtime.release(run_id)
    runtime.dispose_engines()  # a later task of any run opens connections again
