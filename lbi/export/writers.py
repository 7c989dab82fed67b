"""One writer per export format; each streams records to a file and returns how many it wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from lbi.envs.base import EnvSpec
from lbi.export.samples import record_samples

FORMATS = ("jsonl", "parquet", "openai-chat", "sft-steps")
FILE_NAMES = {"jsonl": "examples.jsonl", "parquet": "examples.parquet",
              "openai-chat": "openai-chat.jsonl", "sft-steps": "sft-steps.jsonl"}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line + "\n")
            count += 1
    return count


def write_jsonl(records: Iterable[dict], path: Path, spec: EnvSpec) -> int:
    return _write_lines(path, (_dump(r) for r in records))


def write_openai_chat(records: Iterable[dict], path: Path, spec: EnvSpec) -> int:
    def lines() -> Iterable[str]:
        for record in records:
            for sample in record_samples(record, spec):
                yield _dump({"messages": [*sample.messages, {"role": "assistant", "content": sample.target}]})
    return _write_lines(path, lines())


def write_sft_steps(records: Iterable[dict], path: Path, spec: EnvSpec) -> int:
    def lines() -> Iterable[str]:
        for record in records:
            for sample in record_samples(record, spec):
                prompt = "\n\n".join(m["content"] for m in sample.messages)
                yield _dump({"example_id": record["example_id"], "step": sample.step, "prompt": prompt,
                             "completion": sample.target})
    return _write_lines(path, lines())


PARQUET_SCHEMA = pa.schema([
    ("example_id", pa.int64()), ("environment", pa.string()), ("instruction", pa.string()), ("kind", pa.string()),
    ("span_start", pa.int32()), ("span_end", pa.int32()), ("span_length", pa.int32()),
    ("initial_observation", pa.string()),
    ("steps", pa.list_(pa.struct([("action", pa.string()), ("observation", pa.string()), ("error", pa.bool_()),
                                  ("reason", pa.string()), ("artifacts", pa.map_(pa.string(), pa.string()))]))),
    ("final_artifacts", pa.map_(pa.string(), pa.string())),
    ("source_task", pa.string()), ("document_title", pa.string()), ("document_hash", pa.string()),
    ("run_id", pa.int64()), ("trajectory_id", pa.int64()), ("schema_version", pa.string()),
])


def _flat(record: dict) -> dict:
    provenance = record["provenance"]
    return {
        "example_id": record["example_id"], "environment": record["environment"],
        "instruction": record["instruction"], "kind": record["kind"],
        "span_start": record["span"]["start_step"], "span_end": record["span"]["end_step"],
        "span_length": record["span"]["length"], "initial_observation": record["initial_observation"],
        "steps": record["steps"], "final_artifacts": record["final_artifacts"], "source_task": provenance["source_task"],
        "document_title": provenance["document_title"], "document_hash": provenance["document_hash"],
        "run_id": provenance["run_id"], "trajectory_id": provenance["trajectory_id"],
        "schema_version": record["schema_version"],
    }


def write_parquet(records: Iterable[dict], path: Path, spec: EnvSpec, batch: int = 2000) -> int:
    count, rows = 0, []
    with pq.ParquetWriter(path, PARQUET_SCHEMA, compression="zstd") as writer:
        for record in records:
            rows.append(_flat(record))
            if len(rows) == batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
                count, rows = count + len(rows), []
        if rows or count == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
            count += len(rows)
    return count


WRITERS: dict[str, Callable[[Iterable[dict], Path, EnvSpec], int]] = {
    "jsonl": write_jsonl, "parquet": write_parquet, "openai-chat": write_openai_chat, "sft-steps": write_sft_steps,
}
