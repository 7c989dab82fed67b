"""The experiment flow: the paper's ablations on one held-out task set (lbi.experiment); the table is
stored in lbi.experiment_variants and published as a table artifact.

The same library call as `lbi experiment`; the flow adds Prefect's run history. A spent budget
(``max_llm_calls``) ends the run with the rows done, its one-line message in the run's logs.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.config import Settings
from lbi.experiment.configured import experiment_configured
from lbi.experiment.params import ExperimentParams
from tasks.report import artifact_key

COLUMNS = ("variant", "retrieval", "examples_kept", "success_rate", "model_calls_per_task", "tokens_per_task",
           "retrieval_hits_per_task", "evaluation_id")


@task(name="run-experiment", cache_policy=NONE)
def run_variants(params: ExperimentParams) -> dict[str, Any]:
    return experiment_configured(params, Settings()).as_dict()


@task(name="experiment-table", cache_policy=NONE)
def publish_table(report: dict[str, Any]) -> None:
    create_table_artifact(
        key=artifact_key("experiment", report["environment"], engine=runtime.store(Settings())),
        table=[{column: row[column] for column in COLUMNS} for row in report["table"]],
        description=f"Experiment {report['experiment_id']} of {report['environment']} on {report['task_set']}"
                    + "".join(f"; {note}" for note in report["notes"]),
    )


@flow(name="experiment")
def experiment(params: ExperimentParams = ExperimentParams()) -> dict[str, Any]:
    report = run_variants(params)
    publish_table(report)
    if report["status"] != "completed":
        get_run_logger().warning("experiment %s stopped: %s", report["experiment_id"], report["message"])
    return report
