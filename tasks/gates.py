"""Quality gates: once a stage is complete, the suites that follow it validate the run's rows.

A failed stopping check raises GateFailed, which stops the run (flows/streaming.py);
every result is stored (lbi.gate_results) and shown as an artifact.
"""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.quality import records, runner
from lbi.quality.config import GateConfig
from lbi.quality.outcome import GateFailed, SuiteOutcome
from lbi.quality.scope import Scope
from lbi.quality.suites import AFTER_STAGE, SUITES
from lbi.report import poster
from tasks.report import artifact_key


@task(name="quality-gate", cache_policy=NONE, task_run_name="quality-gate-{stage}")
def quality_gate(run_id: int, stage: str, ids: list[int]) -> dict[str, str]:
    """Record the ids ``stage`` covered, validate its suites; returns each suite's outcome."""
    rt = runtime.for_run(run_id)
    config = GateConfig(**rt.params.get("gates", {}))
    with rt.engine.begin() as conn:
        records.record_stage_ids(conn, run_id=run_id, stage=stage, ids=ids)
    outcomes = [runner.validate(rt.engine, SUITES[name], Scope(run_id=run_id), config)
                for name in AFTER_STAGE[stage]]
    with rt.engine.begin() as conn:
        for outcome in outcomes:
            records.save_result(conn, run_id=run_id, stage=stage, outcome=outcome)
    logger = get_run_logger()
    for outcome in outcomes:
        _publish(outcome, artifact_key("quality", outcome.suite, rt.spec.id, engine=rt.engine), stage)
        if outcome.failures:
            logger.warning("after %s: %s", stage, outcome.summary())
    stopped = [o for o in outcomes if o.stopping]
    if stopped:
        raise GateFailed(f"after stage {stage}: " + " | ".join(o.summary() for o in stopped))
    return {o.suite: o.outcome for o in outcomes}


def _publish(outcome: SuiteOutcome, key: str, stage: str) -> None:
    poster.post(
        create_table_artifact, key=key,
        table=[{"check": c.check, "severity": c.severity, "result": "ok" if c.success else "FAILED",
                "offending rows": c.unexpected, "sample ids": ", ".join(map(str, c.sample_ids)),
                "what it checks": c.explains} for c in outcome.checks],
        description=f"After {stage}: {outcome.summary()}",
    )
