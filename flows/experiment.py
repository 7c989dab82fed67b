"""The experiment flow: the paper's ablations on one held-out task set (lbi.experiment); the table is
stored in lbi.experiment_variants and published as a table artifact.

The same library call as `lbi experiment`; the flow adds Prefect's run history.
"""

from __future__ import annotations

import re
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from lbi.config import Settings
from lbi.experiment.configured import experiment_configured
from lbi.experiment.params import ExperimentParams

COLUMNS = ("variant", "retrieval", "examples_kept", "success_rate", "model_calls_per_task", "tokens_per_task",
           "retrieval_hits_per_task", "evaluation_id")


@task(name="run-experiment", cache_policy=NONE)
def run_variants(params: ExperimentParams) -> dict[str, Any]:
    return experiment_configured(params, Settings()).as_dict()


@task(name="experiment-table", cache_policy=NONE)
def publish_table(report: dict[str, Any]) -> None:
    create_table_artifact(
        key=f"experiment-{re.sub(r'[^a-z0-9-]+', '-', report['environment'].lower())}",
        table=[{column: row[column] for column in COLUMNS} for row in report["table"]],
        description=f"Experiment {report['experiment_id']} of {report['environment']} on {report['task_set']}"
                    + "".join(f"; {note}" for note in report["notes"]),
    )


@flow(name="experiment")
def experiment(params: ExperimentParams = ExperimentParams()) -> dict[str, Any]:
    report = run_variants(params)
    publish_table(report)
    return report
