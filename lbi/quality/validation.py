"""GX Core behind one function: validate the rows of a SQL query against a suite's checks.

It runs in the gates' worker process (lbi.quality.validator), so what crosses
is plain data: checks in, GX's results as JSON dicts out.
One ephemeral data context per process (GX takes seconds to import), one SQL
data source per database, whose pooled connections are closed after each
validation; each validation adds a query asset, a suite and a validation
definition under a fresh name and removes them afterwards.

GX runs two to three queries a check over the rows' query; the rows are first
copied into a temporary table (GX's ``create_temp_table``), so that the joins
behind them run once a validation, not once a query (the verdicts suite after a
C = 64 run: 0.24 -> 0.16 s). A database that refuses temporary tables (a
read-only replica, a role without TEMP) is validated over the query itself.
GX doubles every ``%`` of a query, copied or not: no suite has one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
import warnings
from functools import cache
from typing import Any

from lbi.quality.suite import Check
from lbi.torch_imports import TORCH_IMPORTS

GX_SEVERITY = {"stop": "critical", "warn": "warning"}
_lock = threading.Lock()
_without_copies: set[str] = set()  # databases that refused a temporary table


@cache
def _context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with TORCH_IMPORTS:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet_gx_loggers()

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # Its config lives in memory, yet GX serializes all of it as YAML after every asset, suite and
    # definition added or removed: ~6% of the flow's CPU at C = 64. Nothing reads those copies back.
    context._save_project_config = lambda: None
    return context


def load() -> None:
    """Import GX and make its context now, not at the first validation."""
    _context()


def _quiet_gx_loggers() -> None:
    """GX logs about itself (some of its modules pin their level to INFO); what matters to
    users reaches them as gate results and exceptions, so its loggers stay silent."""
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")]:
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)


def _data_source(context: Any, url: str, *, copied: bool) -> Any:
    """GX's ``add_postgres`` refuses a Unix-socket URL; the generic SQL source takes it as it is.
    ``copied``: the source whose batches are temporary tables."""
    name = "lbi-" + hashlib.sha256(url.encode()).hexdigest()[:16] + ("-copied" if copied else "")
    try:
        return context.data_sources.get(name)
    except KeyError:
        with warnings.catch_warnings():  # it suggests add_postgres, which is the one that refuses
            warnings.simplefilter("ignore")
            return context.data_sources.add_sql(name=name, connection_string=url, create_temp_table=copied)


def _refuses_temporary_tables(error: Exception) -> bool:
    import psycopg

    cause = getattr(error, "orig", None)
    return isinstance(cause, (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege))


def _expectation(check: Check, severity: str) -> Any:
    import great_expectations.expectations as gxe

    return getattr(gxe, check.expectation)(
        **check.kwargs, severity=GX_SEVERITY[severity], description=check.explains, meta={"check": check.name},
    )


def validate_rows(url: str, *, name: str, query: str, checks: list[tuple[Check, str]], key: str,
                  sample: int) -> list[dict[str, Any]]:
    """GX's result for each of ``checks`` (each with its severity) over ``query``'s rows, as a JSON dict."""
    with _lock:
        if url not in _without_copies:
            try:
                return _validate(url, name, query, checks, key, sample, copied=True)
            except Exception as error:
                if not _refuses_temporary_tables(error):
                    raise
                _without_copies.add(url)
        return _validate(url, name, query, checks, key, sample, copied=False)


def _validate(url: str, name: str, query: str, checks: list[tuple[Check, str]], key: str, sample: int, *,
              copied: bool) -> list[dict[str, Any]]:
    context = _context()
    import great_expectations as gx  # loaded by _context, under the torch import lock
    source = _data_source(context, url, copied=copied)
    unique = f"{name}-{uuid.uuid4().hex[:12]}"
    asset = source.add_query_asset(name=unique, query=query.strip())
    try:
        suite = context.suites.add(gx.ExpectationSuite(
            name=unique, expectations=[_expectation(check, severity) for check, severity in checks],
        ))
        definition = context.validation_definitions.add(gx.ValidationDefinition(
            name=unique, data=asset.add_batch_definition_whole_table("rows"), suite=suite,
        ))
        result = definition.run(result_format={
            "result_format": "COMPLETE", "unexpected_index_column_names": [key],
            "partial_unexpected_count": sample,
        })
        return [r.to_json_dict() for r in result.results]
    finally:
        _forget(context, source, unique)
        _close_connections(source)


def _close_connections(source: Any) -> None:
    """A validation's queries share pooled connections; none stays open between gates."""
    source.get_engine().dispose()
    source.get_execution_engine().engine.dispose()  # GX's execution engine may hold an engine of its own


def _forget(context: Any, source: Any, name: str) -> None:
    for remove in (context.validation_definitions.delete, context.suites.delete, source.delete_asset):
        try:
            remove(name)
        except Exception:  # noqa: BLE001 - whatever was not added cannot be removed
            pass
