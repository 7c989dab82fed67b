"""Which task runner a flow run uses: threads here, or a Dask cluster when an address is given."""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner


def task_runner(*, workers: int, dask_address: str | None = None) -> TaskRunner:
    """Threads in this process by default; with ``dask_address`` (``tcp://host:8786``) the
    tasks run on that cluster's workers, each rebuilding its store and model client from the run."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=workers)
