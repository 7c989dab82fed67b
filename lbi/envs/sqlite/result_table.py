"""A query's result as an episode keeps it: read whole up to one bound of rows and of bytes.

The SQL worker (worker.py) imports this module and nothing heavier, so that an
episode's worker starts in a few tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable, Iterator, Sequence

Row = tuple[Any, ...]
ROWS_BOUND = 100_000
ROWS_BYTES_BOUND = 16 * 1024 * 1024


@dataclass(frozen=True)
class ResultTable:
    """A query's result read up to the bound; ``complete`` is false when the bound cut it, ``cut`` says which."""

    columns: tuple[str, ...]
    rows: list[Row]
    complete: bool = True
    cut: str | None = None


class RowRecorder:
    """Keeps the rows a consumer pulls from a cursor, then the rest, up to the bound (rows and bytes)."""

    def __init__(self, bound: int = ROWS_BOUND, byte_bound: int = ROWS_BYTES_BOUND) -> None:
        self.bound = bound
        self.byte_bound = byte_bound
        self.rows: list[Row] = []
        self.bytes = 0
        self.complete = True
        self.cut: str | None = None

    def recording(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            self._keep(row)
            yield row

    def drain(self, rows: Iterable[Row]) -> None:
        """Read the rows the consumer left, one past the bound at most."""
        if self.complete:
            for row in islice(rows, max(0, self.bound - len(self.rows)) + 1):
                self._keep(row)

    def table(self, columns: Sequence[str]) -> ResultTable:
        return ResultTable(tuple(columns), self.rows, self.complete, self.cut)

    def _keep(self, row: Row) -> None:
        if not self.complete:
            return
        size = row_bytes(row)
        if len(self.rows) >= self.bound:
            self.complete, self.cut = False, f"{self.bound}-row bound"
        elif self.bytes + size > self.byte_bound:
            self.complete, self.cut = False, f"{self.byte_bound // (1024 * 1024)} MB bound on the rows kept"
        else:
            self.rows.append(tuple(row))
            self.bytes += size


def row_bytes(row: Row) -> int:
    """What a row's values weigh: text and blobs by their length, anything else 8 bytes."""
    return sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)


def read_table(columns: Sequence[str], rows: Iterable[Row], bound: int = ROWS_BOUND) -> ResultTable:
    recorder = RowRecorder(bound)
    recorder.drain(rows)
    return recorder.table(columns)
