"""Reads the SQLite environment's observation text: an error, or a table of rows and a row count.

Tolerant by design: a header line of column names then rows separated by
'|', tabs or runs of spaces; a row-count line such as '(3 rows)'; an error
line starting 'Error'.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_ERROR = re.compile(r"^\s*(?:\w+\.)*\w*Error\b[:\s]*(.*)$", re.MULTILINE | re.IGNORECASE)
_COUNT = re.compile(r"^\(?\s*(\d+|no)\s+rows?\b[^)\n]*\)?\.?\s*$", re.IGNORECASE)
_CHANGED = re.compile(r"\b(\d+)\s+rows?\s+(?:changed|affected|updated|inserted|deleted)\b", re.IGNORECASE)
_RULE = re.compile(r"^[\s\-+=|:]+$")
_IN_ALL = re.compile(r"\b(\d+) in all\b")
_NOTE = re.compile(r"^\(?\.\.\.|^\(?(?:output )?truncated|^\(?(?:and )?\d+ more rows?", re.IGNORECASE)


@dataclass(frozen=True)
class Result:
    error: str | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    row_count: int | None = None
    changed: int | None = None

    @property
    def first_value(self) -> str | None:
        return self.rows[0][0] if self.rows and self.rows[0] else None

    def brief(self) -> str:
        """A few words on what came back: 'an error', 'the value 42', '5 rows'."""
        if self.error is not None:
            return f"an error ({self.error})" if self.error else "an error"
        if self.changed is not None:
            return f"{self.changed} row{'s' * (self.changed != 1)} changed"
        count = self.row_count if self.row_count is not None else len(self.rows)
        value = self.first_value
        if count == 1 and len(self.columns) == 1 and value is not None:
            return f"the value {value}" if re.fullmatch(r"-?[\d.]+(?:e[-+]?\d+)?", value) else f"the value '{value}'"
        return f"{count} row{'s' * (count != 1)}"


@functools.lru_cache(maxsize=4096)
def read_result(text: str) -> Result:
    """Memoized: the judge and the labeler read each step's observation again for every criterion and span."""
    error = _ERROR.search(text)
    if error:
        return Result(error=error.group(1).strip())
    changed = _CHANGED.search(text)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    row_count = None
    table_lines = []
    for line in lines:
        count = _COUNT.match(line.strip())
        in_all = _IN_ALL.search(line)
        if count:
            row_count = 0 if count.group(1).lower() == "no" else int(count.group(1))
        elif in_all and _NOTE.match(line.strip()):
            row_count = int(in_all.group(1))
        elif not _RULE.match(line) and not _NOTE.match(line.strip()):
            table_lines.append(line)
    if changed and not table_lines[1:]:
        return Result(changed=int(changed.group(1)))
    if not table_lines:
        return Result(row_count=row_count if row_count is not None else 0)
    cells = [_cells(line) for line in table_lines]
    return Result(columns=tuple(cells[0]), rows=tuple(tuple(row) for row in cells[1:]), row_count=row_count)


def _cells(line: str) -> list[str]:
    if "|" in line:
        parts = line.strip().strip("|").split("|")
    elif "\t" in line:
        parts = line.split("\t")
    else:
        parts = re.split(r"\s{2,}", line.strip())
    return [part.strip() for part in parts]
