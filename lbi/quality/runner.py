"""Run suites over a scope and turn GX's results into outcomes that name offending ids."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lbi.quality import records
from lbi.quality.config import GateConfig
from lbi.quality.outcome import CheckOutcome, SuiteOutcome
from lbi.quality.scope import Scope, UnknownScope
from lbi.quality.suite import Check, Suite
from lbi.quality.suites import AFTER_STAGE, SUITES
from lbi.quality.validator import validate_rows

_FULL_LISTS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


def validate(engine: sa.Engine, suite: Suite, scope: Scope, config: GateConfig) -> SuiteOutcome:
    query = suite.rows(scope)
    checks = [(check, config.severity_of(check.name, check.severity)) for check in suite.checks(config)]
    checks = [(check, severity) for check, severity in checks if severity != "off"]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT count(*) FROM ({query}) AS suite_rows").scalar_one()
    if not checks:  # every check turned off: nothing for GX to do
        return SuiteOutcome(suite.name, scope.describe(), rows, [], _summary([], config.sample_ids))
    results = validate_rows(engine.url.render_as_string(hide_password=False), name=suite.name, query=query,
                            checks=checks, key=suite.key, sample=config.sample_ids)
    by_name = {check.name: (check, severity) for check, severity in checks}
    outcomes = [_outcome(r, *by_name[r["expectation_config"]["meta"]["check"]], suite.key, config.sample_ids)
                for r in results]
    order = list(by_name)
    outcomes.sort(key=lambda o: order.index(o.check))
    return SuiteOutcome(suite.name, scope.describe(), rows, outcomes, _summary(results, config.sample_ids))


def suites_for(conn: sa.Connection, scope: Scope) -> list[Suite]:
    """A run's scope: the suites that follow the stages it recorded; otherwise every suite whose table exists."""
    if scope.run_id is not None:
        stages = records.recorded_stages(conn, run_id=scope.run_id)
        names = {name for stage in stages for name in AFTER_STAGE.get(stage, ())}
        return [suite for suite in SUITES.values() if suite.name in names]
    return [suite for suite in SUITES.values() if suite.name != "embeddings" or records.embeddings_exist(conn)]


def _outcome(result: dict[str, Any], check: Check, severity: str, key: str, sample: int) -> CheckOutcome:
    details = result.get("result") or {}
    exception = result.get("exception_info") or {}
    error = exception.get("exception_message") if exception.get("raised_exception") else None
    if check.expectation == "UnexpectedRowsExpectation":
        rows = (details.get("details") or {}).get("unexpected_rows") or []
        id_column, unexpected = check.id_column, details.get("observed_value")
    else:
        rows = details.get("partial_unexpected_index_list") or []
        id_column, unexpected = key, details.get("unexpected_count")
    ids = sorted({row.get(id_column) for row in rows} - {None}) if id_column else []
    observed = {k: v for k, v in rows[0].items() if k != id_column} if rows else None
    return CheckOutcome(check.name, check.explains, severity, bool(result.get("success")), unexpected, id_column,
                        ids[:sample], observed, error)


def _summary(results: list[dict[str, Any]], sample: int) -> dict[str, Any]:
    """GX's results without the unbounded lists (the offending rows are cut to a sample)."""
    summarized = []
    for result in results:
        details = {k: v for k, v in (result.get("result") or {}).items() if k not in _FULL_LISTS}
        if "details" in details:
            rows = (details["details"] or {}).get("unexpected_rows") or []
            details["details"] = {"unexpected_rows": rows[:sample]}
        config = result.get("expectation_config") or {}
        summarized.append({
            "check": config.get("meta", {}).get("check"), "expectation": config.get("type"),
            "severity": config.get("severity"), "kwargs": config.get("kwargs"),
            "success": result.get("success"), "result": details,
            "exception": (result.get("exception_info") or {}).get("exception_message"),
        })
    return {"expectations": summarized}


def resolve_scope(conn: sa.Connection, *, environment_id: str | None, run_id: int | None) -> Scope:
    if environment_id is not None and not records.environment_exists(conn, environment_id=environment_id):
        raise UnknownScope(f"no environment {environment_id} in the store")
    if run_id is not None:
        exists, run_env = records.run_environment(conn, run_id=run_id)
        if not exists or (environment_id is not None and run_env != environment_id):
            raise UnknownScope(f"no run {run_id}" + (f" of {environment_id}" if environment_id else ""))
    return Scope(run_id=run_id, environment_id=environment_id)


def validate_scope(engine: sa.Engine, scope: Scope, config: GateConfig) -> list[SuiteOutcome]:
    """Every suite that applies to ``scope``, in stage order."""
    with engine.connect() as conn:
        suites = suites_for(conn, scope)
    return [validate(engine, suite, scope, config) for suite in suites]
