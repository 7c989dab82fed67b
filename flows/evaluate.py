"""The evaluate flow: an agent on a task set (baseline, retrieval or replay); results in lbi.evaluations.

The same library call as `lbi evaluate`; the flow adds Prefect's run history
and a table artifact per evaluation.
"""

from __future__ import annotations

import re
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from lbi.config import Settings
from lbi.evaluation.configured import evaluate_configured
from lbi.evaluation.params import EvaluateParams


@task(name="evaluate-task-set", cache_policy=NONE)
def run_evaluation(params: EvaluateParams) -> dict[str, Any]:
    return evaluate_configured(params, Settings()).as_dict()


@task(name="evaluation-report", cache_policy=NONE)
def publish_evaluation(report: dict[str, Any]) -> None:
    rows = [{"difficulty": label, **summary} for label, summary in report["by_difficulty"].items()]
    rows.append({"difficulty": "all", **report["summary"]})
    create_table_artifact(
        key=f"evaluation-{re.sub(r'[^a-z0-9-]+', '-', report['environment'].lower())}-{report['mode']}",
        table=rows,
        description=f"Evaluation {report['evaluation_id']} of {report['environment']} ({report['mode']}) "
                    f"on {report['task_set']}",
    )


@flow(name="evaluate")
def evaluate(params: EvaluateParams = EvaluateParams()) -> dict[str, Any]:
    report = run_evaluation(params)
    publish_evaluation(report)
    return report
