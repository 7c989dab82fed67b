"""The record (lbi.export.records.RECORD_FIELDS, in order) as Arrow columns (parquet and the Hugging Face dataset): the JSON record's fields, with maps
(a step's artifacts) as lists of name/value pairs, which every Arrow reader and `datasets` can hold."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

_PAIRS = pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())]))

ARROW_SCHEMA = pa.schema([
    ("schema_version", pa.string()), ("example_id", pa.int64()), ("environment_id", pa.string()),
    ("kind", pa.string()), ("instruction", pa.string()), ("summary", pa.list_(pa.string())),
    ("start_observation", pa.string()),
    ("steps", pa.list_(pa.struct([
        ("idx", pa.int32()), ("reason", pa.string()), ("action", pa.string()), ("observation", pa.string()),
        ("observation_error", pa.bool_()), ("artifacts", _PAIRS)]))),
    ("span_steps", pa.int32()), ("start_step", pa.int32()), ("end_step", pa.int32()), ("task", pa.string()),
    ("source_chunk_id", pa.int64()), ("source_document_id", pa.int64()), ("source_document_title", pa.string()),
    ("source_document_path", pa.string()), ("source_document_hash", pa.string()), ("trajectory_id", pa.int64()),
    ("trajectory_status", pa.string()), ("actor_model", pa.string()), ("policy", pa.string()),
    ("run_id", pa.int64()), ("accepted_run_id", pa.int64()), ("final_artifacts", _PAIRS),
    ("verdicts", pa.list_(pa.struct([("judge", pa.string()), ("criterion", pa.string()), ("accept", pa.bool_()),
                                     ("rationale", pa.string())]))),
])

# A conversation sample's messages; weight is set on assistant turns only.
MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string()), ("weight", pa.int8())]))


def pairs(mapping: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": mapping[name]} for name in sorted(mapping)]


def arrow_row(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its maps as name/value pairs."""
    return {
        **record,
        "steps": [{**step, "artifacts": pairs(step["artifacts"])} for step in record["steps"]],
        "final_artifacts": pairs(record["final_artifacts"]),
    }
