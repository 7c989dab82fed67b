"""The report's figures for one environment (or all) as Prefect artifacts, from the analysts' views."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.config import Settings
from lbi.report.artifacts import publish
from lbi.report.figures import collect
from tasks.report import store_identity


@task(name="dataset-figures", cache_policy=NONE)
def publish_dataset_figures(environment_id: str | None) -> list[str]:
    """Publish the funnel, keep rates, span lengths and cost per accepted example; returns the artifact keys."""
    engine = runtime.store(Settings())
    with engine.connect() as conn:
        return publish(collect(conn, environment_id=environment_id), store=store_identity(engine))
