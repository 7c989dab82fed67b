"""A run's report as Prefect artifacts: its counts, the dataset's figures, and a link to the HTML
report written under LBI_HOME/reports.

Artifact keys end with a short hash of the store's identity, so two stores on one Prefect server
never overwrite each other's artifacts.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import sqlalchemy as sa
from prefect import task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.report.artifacts import publish
from lbi.report.build import write_report
from lbi.report import poster

_identities: dict[str, str] = {}


def store_identity(engine: sa.Engine) -> str:
    """8 hex characters naming the store: the Postgres cluster (its system identifier, or the server's
    address when that is not readable) and the database in it."""
    url = engine.url.render_as_string(hide_password=True)
    if url not in _identities:
        with engine.connect() as conn:
            try:
                with conn.begin_nested():
                    cluster = str(conn.execute(sa.text("SELECT system_identifier FROM pg_control_system()")).scalar())
            except sa.exc.DBAPIError:  # not granted to this role
                cluster = f"{engine.url.host}:{engine.url.port}"
            database = conn.execute(sa.text(
                "SELECT current_database() || ':' || oid FROM pg_database WHERE datname = current_database()"
            )).scalar()
        _identities[url] = hashlib.sha256(f"{cluster}/{database}".encode()).hexdigest()[:8]
    return _identities[url]


def artifact_key(*words: str, engine: sa.Engine) -> str:
    """A Prefect artifact key (lower-case letters, digits and dashes) unique to the store."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join([*words, store_identity(engine)]).lower()).strip("-")


@task(name="stage-report", cache_policy=NONE)
def publish_report(run_id: int, totals: dict[str, Any], status: str, message: str | None) -> None:
    """The run's counts, the dataset's figures and the HTML report's link, posted by the process's
    artifact poster (lbi/report/poster.py): the flow drains it before it ends."""
    rt = runtime.for_run(run_id)
    env_id = rt.spec.id
    poster.post(
        create_table_artifact, key=artifact_key("synthesis", env_id, engine=rt.engine),
        table=[{"stage": name, "count": value} for name, value in totals.items()],
        description=f"Run {run_id} of {env_id}: {status}" + (f" ({message})" if message else ""),
    )
    page, figures = write_report(rt.engine, environment_id=env_id,
                                 out_dir=rt.settings.home / "reports" / f"{env_id}-{store_identity(rt.engine)}")
    publish(figures, store=store_identity(rt.engine), post=poster.post)
    poster.post(
        create_link_artifact, key=artifact_key("report", env_id, engine=rt.engine), link=page.resolve().as_uri(),
        link_text=f"{env_id} dataset report", description=f"HTML report after run {run_id}: "
                                                          f"{figures.accepted} accepted examples",
    )
