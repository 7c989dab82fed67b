"""What a suite is: a SQL query for a stage's rows, and the checks those rows must pass.

A check names one GX Core expectation and its arguments; GX itself is imported
only when a suite runs (it costs seconds to import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope

Severity = Literal["stop", "warn", "off"]
BATCH = "{batch}"  # where GX puts the suite's rows in a row query


@dataclass(frozen=True)
class Check:
    name: str
    explains: str
    expectation: str  # a class in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "stop"
    id_column: str | None = None  # for row queries: the column that names offending rows


@dataclass(frozen=True)
class Suite:
    name: str
    key: str  # the id column of the suite's rows, used to name offending rows
    rows: Callable[[Scope], str]
    checks: Callable[[GateConfig], list[Check]]


def no_rows(name: str, explains: str, query: str, *, id_column: str | None, severity: Severity = "stop") -> Check:
    """Passes when ``query`` (over the suite's rows as ``{batch}``) returns nothing."""
    return Check(name, explains, "UnexpectedRowsExpectation", {"unexpected_rows_query": query}, severity, id_column)


def not_null(name: str, explains: str, column: str, *, severity: Severity = "stop") -> Check:
    return Check(name, explains, "ExpectColumnValuesToNotBeNull", {"column": column}, severity)


def in_set(name: str, explains: str, column: str, values: list[Any], *, mostly: float = 1.0,
           severity: Severity = "stop") -> Check:
    return Check(name, explains, "ExpectColumnValuesToBeInSet",
                 {"column": column, "value_set": values, "mostly": mostly}, severity)


def between(name: str, explains: str, column: str, *, min_value: float | None = None,
            max_value: float | None = None, severity: Severity = "stop") -> Check:
    return Check(name, explains, "ExpectColumnValuesToBeBetween",
                 {"column": column, "min_value": min_value, "max_value": max_value}, severity)


def unique_together(name: str, explains: str, columns: list[str], *, severity: Severity = "stop") -> Check:
    return Check(name, explains, "ExpectCompoundColumnsToBeUnique", {"column_list": columns}, severity)
