"""One writer per export format; each streams records into the export's directory and returns how many
records (or samples) it wrote. Formats and their layouts: docs/schema.md."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from lbi.envs.base import EnvSpec
from lbi.export.layout import ARROW_SCHEMA, arrow_row
from lbi.export.samples import RecordSamples


@dataclass(frozen=True)
class ExportContext:
    """What a writer may need beside the records: the store's snapshot (the dataset card reads it), the
    environment, the samples builder (with the export's reasons) and the manifest's fields so far."""

    conn: sa.Connection
    spec: EnvSpec
    samples: RecordSamples
    fields: dict[str, Any]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line + "\n")
            count += 1
    return count


def write_jsonl(records: Iterable[dict], directory: Path, ctx: ExportContext) -> int:
    return _write_lines(directory / "examples.jsonl", (_dump(r) for r in records))


# openai-chat and conversations lines hold "messages" only (what fine-tuning services accept); their order
# is the records' (examples.jsonl), sample by sample.
def write_openai_chat(records: Iterable[dict], directory: Path, ctx: ExportContext) -> int:
    def lines() -> Iterable[str]:
        for record in records:
            for sample in ctx.samples.action_samples(record):
                yield _dump({"messages": [*sample.messages, {"role": "assistant", "content": sample.target}]})
    return _write_lines(directory / "openai-chat.jsonl", lines())


def write_sft_steps(records: Iterable[dict], directory: Path, ctx: ExportContext) -> int:
    def lines() -> Iterable[str]:
        for record in records:
            for sample in ctx.samples.action_samples(record):
                prompt = "\n\n".join(m["content"] for m in sample.messages)
                yield _dump({"example_id": record["example_id"], "step": sample.step, "prompt": prompt,
                             "completion": sample.target})
    return _write_lines(directory / "sft-steps.jsonl", lines())


def write_conversations(records: Iterable[dict], directory: Path, ctx: ExportContext) -> int:
    def lines() -> Iterable[str]:
        for record in records:
            yield _dump({"messages": ctx.samples.conversation(record)})
    return _write_lines(directory / "conversations.jsonl", lines())


def write_parquet(records: Iterable[dict], directory: Path, ctx: ExportContext, batch: int = 2000) -> int:
    count, rows = 0, []
    with pq.ParquetWriter(directory / "examples.parquet", ARROW_SCHEMA, compression="zstd") as writer:
        for record in records:
            rows.append(arrow_row(record))
            if len(rows) == batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA))
                count, rows = count + len(rows), []
        if rows or count == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA))
            count += len(rows)
    return count


def write_hf_dataset(records: Iterable[dict], directory: Path, ctx: ExportContext) -> int:
    from lbi.export.hf import write_hf_dataset as write  # imports `datasets` only when asked for

    return write(records, directory, ctx)


Writer = Callable[[Iterable[dict], Path, ExportContext], int]
WRITERS: dict[str, Writer] = {
    "jsonl": write_jsonl, "parquet": write_parquet, "openai-chat": write_openai_chat, "sft-steps": write_sft_steps,
    "conversations": write_conversations, "hf-dataset": write_hf_dataset,
}
FORMATS = tuple(WRITERS)
# What each format puts in the destination (a file, or a directory), besides manifest.json.
OUTPUTS = {"jsonl": ("examples.jsonl",), "parquet": ("examples.parquet",), "openai-chat": ("openai-chat.jsonl",),
           "sft-steps": ("sft-steps.jsonl",), "conversations": ("conversations.jsonl",),
           "hf-dataset": ("hf-dataset", "README.md")}
SAMPLE_FORMATS = ("openai-chat", "sft-steps", "conversations", "hf-dataset")  # their targets follow --reasons
