"""What crosses the pipe between an episode and its SQL worker: one JSON object per line, ASCII only.

Blobs travel as ``{"blob": hex}`` (no other cell is a JSON object); the rest of SQLite's values are JSON's own.
"""

from __future__ import annotations

import json
from typing import Any

from lbi.envs.sqlite.result_table import ResultTable


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, default=_blob).encode("ascii") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    return json.loads(line)


def _blob(value: object) -> dict[str, str]:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"blob": bytes(value).hex()}
    raise TypeError(f"{type(value).__name__} is not a SQLite value")


def table_message(table: ResultTable) -> dict[str, Any]:
    return {"columns": list(table.columns), "rows": table.rows, "complete": table.complete, "cut": table.cut}


def table_from(message: dict[str, Any]) -> ResultTable:
    rows = [tuple(bytes.fromhex(v["blob"]) if isinstance(v, dict) else v for v in row) for row in message["rows"]]
    return ResultTable(tuple(message["columns"]), rows, message["complete"], message.get("cut"))
