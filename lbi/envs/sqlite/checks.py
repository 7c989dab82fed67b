"""The SQL environment's success checks (docs/task-sets.md): execution match of the episode's answer.

The answer (the rows of the last successful query) and the gold rows are both
read whole up to one bound, ``ROWS_BOUND`` rows and ``ROWS_BYTES_BOUND`` bytes of
values (what an episode keeps); a result cut by the bound says which. Rows are
compared as multisets; numbers after rounding, so 3, 3.0 and 3.0000001 agree;
column names play no part. Options: ``order_matters`` checks the order of the
sort keys only (rows tied on every key may come in any order),
``ignore_column_order`` accepts the columns in any order.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal, Sequence

from pydantic import Field, model_validator

from lbi.envs.base import CheckResult
from lbi.envs.checks import CheckModel
from lbi.envs.sqlite.order_by import sort_key_positions
from lbi.envs.sqlite.result_table import ROWS_BOUND, ResultTable, Row

MAX_COLUMN_MATCHINGS = 10_000


class RowComparison(CheckModel):
    order_matters: bool = Field(False, description="Check the order of the sort keys (ties are free).")
    sort_keys: list[Annotated[int, Field(ge=1)] | str] | None = Field(
        None, description="Columns whose order is checked: gold column names or 1-based positions; "
                          "default: the gold SQL's ORDER BY terms, else the whole rows.")
    ignore_column_order: bool = Field(False, description="Accept the answer's columns in any order.")
    round: int = Field(2, ge=0, le=12, description="Decimal places numbers are rounded to before comparing.")


class SqlRowsCheck(RowComparison):
    """The answer against the rows ``gold_sql`` returns on a fresh copy of the database."""

    type: Literal["sql_rows"] = "sql_rows"
    gold_sql: str = Field(min_length=1)


class RowsCheck(RowComparison):
    """The answer against literal ``rows``."""

    type: Literal["rows"] = "rows"
    rows: list[list[Any]]

    @model_validator(mode="after")
    def _positions_only(self) -> "RowsCheck":
        if any(isinstance(key, str) for key in self.sort_keys or ()):
            raise ValueError("literal rows have no column names: give sort_keys as 1-based positions")
        return self


Check = Annotated[SqlRowsCheck | RowsCheck, Field(discriminator="type")]


def normalized(row: Sequence[Any], places: int) -> Row:
    return tuple(_value(v, places) for v in row)


def _value(value: Any, places: int) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        rounded = round(float(value), places)
        return 0.0 if rounded == 0 else rounded  # -0.0 and 0.0 are one value
    return value


def literal_table(check: RowsCheck) -> ResultTable:
    width = len(check.rows[0]) if check.rows else 0
    return ResultTable(tuple(str(j + 1) for j in range(width)), [tuple(row) for row in check.rows])


def compare(answer: ResultTable | None, gold: ResultTable, check: RowComparison, gold_sql: str | None = None
            ) -> CheckResult:
    if answer is None:
        return CheckResult(False, "the episode ran no query that returned rows")
    if answer.complete != gold.complete:
        more, other, cut = ("answer", gold, answer.cut) if not answer.complete else ("gold", answer, gold.cut)
        return CheckResult(False, f"mismatch: the {more} has more than the {cut or f'{ROWS_BOUND}-row bound'}, "
                                  f"the other {_rows(len(other.rows))}")
    verdict = _compare(answer, gold, check, gold_sql)
    if not answer.complete:
        cuts = " and ".join(sorted({answer.cut or "bound", gold.cut or "bound"}))
        return CheckResult(verdict.success, f"{verdict.detail} (answer and gold both cut at the {cuts}: "
                                            "compared up to it)")
    return verdict


def _compare(answer: ResultTable, gold: ResultTable, check: RowComparison, gold_sql: str | None) -> CheckResult:
    keys = _sort_keys(check, gold, gold_sql) if check.order_matters else None
    got = [normalized(r, check.round) for r in answer.rows]
    want = [normalized(r, check.round) for r in gold.rows]
    width = len(gold.columns)
    if len(answer.columns) != width:
        return CheckResult(False, f"mismatch: expected {width} columns, got {len(answer.columns)}")
    if check.ignore_column_order:
        permutation = _column_matching(got, want, width)
        if permutation is None:
            return CheckResult(False, _difference(got, want))
        got = [tuple(row[i] for i in permutation) for row in got]
    if Counter(got) != Counter(want):
        return CheckResult(False, _difference(got, want))
    if not check.order_matters:
        return CheckResult(True, f"match: {_rows(len(want))}")
    if keys is None:
        if got != want:
            return CheckResult(False, "mismatch: the right rows in the wrong order")
        return CheckResult(True, f"match: {_rows(len(want))} in order")
    if [tuple(r[k] for k in keys) for r in got] != [tuple(r[k] for k in keys) for r in want]:
        return CheckResult(False, f"mismatch: the right rows in the wrong order of {_keys(keys, gold.columns)}")
    return CheckResult(True, f"match: {_rows(len(want))} in order of {_keys(keys, gold.columns)}")


def _sort_keys(check: RowComparison, gold: ResultTable, gold_sql: str | None) -> list[int] | None:
    """0-based gold columns whose order is checked; None: the whole rows, in order."""
    if check.sort_keys is None:
        return sort_key_positions(gold_sql, gold.columns) if gold_sql else None
    positions = []
    for key in check.sort_keys:
        if isinstance(key, int):
            positions.append(key - 1)
        else:
            named = [j for j, column in enumerate(gold.columns) if column.lower() == key.lower()]
            positions += named[:1]
    if len(positions) != len(check.sort_keys) or any(p >= len(gold.columns) for p in positions):
        raise ValueError(f"sort_keys {check.sort_keys} do not name columns of the gold result {list(gold.columns)}")
    return positions


def _column_matching(got: list[Row], want: list[Row], width: int) -> list[int] | None:
    """For each gold column, the answer column that holds it, such that the rows match as multisets."""
    if len(got) != len(want):
        return None
    values = [Counter(row[j] for row in got) for j in range(width)]
    candidates = [[i for i in range(width) if values[i] == Counter(row[j] for row in want)] for j in range(width)]
    wanted = Counter(want)
    tried = 0

    def assign(j: int, used: list[int]) -> list[int] | None:
        nonlocal tried
        if j == width:
            tried += 1
            return used if Counter(tuple(row[i] for i in used) for row in got) == wanted else None
        for i in candidates[j]:
            if i not in used and tried < MAX_COLUMN_MATCHINGS:
                found = assign(j + 1, [*used, i])
                if found is not None:
                    return found
        return None

    return assign(0, [])


def _difference(got: list[Row], want: list[Row]) -> str:
    if len(got) != len(want):
        return f"mismatch: expected {_rows(len(want))}, got {len(got)}"
    missing = list((Counter(want) - Counter(got)).elements())
    return f"mismatch: expected row {_brief(missing[0])} is missing" if missing else "mismatch"


def _keys(keys: list[int], columns: Sequence[str]) -> str:
    return ", ".join(columns[k] for k in keys)


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _brief(row: Row, limit: int = 120) -> str:
    text = repr(row)
    return text if len(text) <= limit else text[:limit] + "...)"
