"""Execution match for SQL tasks: an episode's answer rows against gold rows (see docs/task-sets.md).

Rows are compared as multisets, or in order when the task says order matters;
numbers are compared after rounding, so 3, 3.0 and 3.0000001 agree; column
names play no part.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from lbi.envs.base import CheckResult

Row = tuple[Any, ...]


def normalized(row: Sequence[Any], places: int) -> Row:
    return tuple(_value(v, places) for v in row)


def _value(value: Any, places: int) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        rounded = round(float(value), places)
        return 0.0 if rounded == 0 else rounded  # -0.0 and 0.0 are one value
    return value


def compare_rows(answer: list[Row] | None, gold: list[Row], *, order_matters: bool, places: int) -> CheckResult:
    if answer is None:
        return CheckResult(False, "the episode ran no query that returned rows")
    got = [normalized(r, places) for r in answer]
    want = [normalized(r, places) for r in gold]
    if order_matters and got == want or not order_matters and Counter(got) == Counter(want):
        return CheckResult(True, f"match: {_rows(len(want))}")
    return CheckResult(False, _difference(got, want, order_matters))


def _difference(got: list[Row], want: list[Row], order_matters: bool) -> str:
    if len(got) != len(want):
        return f"mismatch: expected {_rows(len(want))}, got {len(got)}"
    if got and want and len(got[0]) != len(want[0]):
        return f"mismatch: expected {len(want[0])} columns, got {len(got[0])}"
    if order_matters and Counter(got) == Counter(want):
        return "mismatch: the right rows in the wrong order"
    missing = list((Counter(want) - Counter(got)).elements()) or [w for g, w in zip(got, want) if g != w]
    return f"mismatch: expected row {_brief(missing[0])} is missing"


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _brief(row: Row, limit: int = 120) -> str:
    text = repr(row)
    return text if len(text) <= limit else text[:limit] + "...)"
