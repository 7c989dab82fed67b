"""Stage report: the run's counts and keep rate as a Prefect artifact."""

from __future__ import annotations

import re
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from lbi import runtime


@task(name="stage-report", cache_policy=NONE)
def publish_report(run_id: int, totals: dict[str, Any], status: str, message: str | None) -> None:
    env_id = runtime.for_run(run_id).spec.id
    rows = [{"stage": name, "count": value} for name, value in totals.items()]
    create_table_artifact(
        key=f"synthesis-{re.sub(r'[^a-z0-9-]+', '-', env_id.lower())}",
        table=rows,
        description=f"Run {run_id} of {env_id}: {status}" + (f" ({message})" if message else ""),
    )
