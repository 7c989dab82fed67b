"""The Hugging Face `datasets` export: a DatasetDict (train, validation split by source document) saved with
``save_to_disk`` under ``hf-dataset/``, and its card as README.md; ``push`` sends both to the Hub when a token
is configured."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import datasets
import pyarrow as pa

from lbi.errors import ConfigError
from lbi.export.card import dataset_card
from lbi.export.layout import ARROW_SCHEMA, MESSAGES, arrow_row
from lbi.export.split import split_records
from lbi.export.writers import ExportContext

DATASET_DIR = "hf-dataset"
CARD = "README.md"
HF_SCHEMA = ARROW_SCHEMA.append(pa.field("messages", MESSAGES))


def _table(rows: list[dict[str, Any]], ctx: ExportContext) -> pa.Table:
    return pa.Table.from_pylist([{**arrow_row(r), "messages": ctx.samples.conversation(r)} for r in rows],
                                schema=HF_SCHEMA)


def write_hf_dataset(records: Iterable[dict], directory: Path, ctx: ExportContext) -> int:
    splits = split_records(list(records), ctx.fields["validation_share"])
    dataset = datasets.DatasetDict({name: datasets.Dataset(_table(rows, ctx)) for name, rows in splits.items()})
    with _quiet():
        dataset.save_to_disk(str(directory / DATASET_DIR))
    (directory / CARD).write_text(dataset_card(ctx.conn, ctx.spec, splits, ctx.fields), encoding="utf-8")
    ctx.fields["splits"] = {name: len(rows) for name, rows in splits.items()}
    return sum(len(rows) for rows in splits.values())


def push(export_directory: Path, repo_id: str, *, private: bool = True) -> str:
    """Push an hf-dataset export (its data and card) to the Hub; refused when no token is configured."""
    from huggingface_hub import HfApi, get_token

    token = get_token()
    if not token:
        raise ConfigError("no Hugging Face token configured (set HF_TOKEN or run `hf auth login`); "
                          "the export is on disk, nothing was pushed")
    dataset = datasets.load_from_disk(str(export_directory / DATASET_DIR))
    dataset.push_to_hub(repo_id, token=token, private=private)
    HfApi(token=token).upload_file(path_or_fileobj=str(export_directory / CARD), path_in_repo=CARD,
                                   repo_id=repo_id, repo_type="dataset")
    return f"hf://datasets/{repo_id}"


@contextmanager
def _quiet() -> Iterator[None]:
    """`datasets` progress bars off while saving (they would mix with a command's output)."""
    was = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was:
            datasets.enable_progress_bars()
