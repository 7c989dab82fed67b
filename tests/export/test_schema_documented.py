"""docs/schema.md documents every column and field every export format writes (nested ones too) and every
manifest field: a name missing from its tables fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from lbi.export.layout import ARROW_SCHEMA
from lbi.export.records import RECORD_FIELDS
from lbi.export.run import ExportOptions, export
from lbi.export.writers import FORMATS, OUTPUTS

ENV = "sqlite-chinook-v0"
SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def documented_export_names() -> set[str]:
    """Every backquoted name in a table row of the Exports part of docs/schema.md."""
    text = SCHEMA_DOC.read_text()
    part = re.search(r"^## Exports\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert part, "docs/schema.md has no Exports part"
    rows = [line for line in part.group(1).splitlines() if line.startswith("|")]
    return {name for row in rows for name in re.findall(r"`([A-Za-z_0-9-]+)`", row)}


def _json_names(value: Any, skip: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            if key not in skip:
                yield from _json_names(inner, skip)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_names(inner, skip)


def _arrow_names(data_type: pa.DataType) -> Iterator[str]:
    if pa.types.is_struct(data_type):
        for field in data_type:
            yield field.name
            yield from _arrow_names(field.type)
    elif pa.types.is_list(data_type):
        yield from _arrow_names(data_type.value_type)


def _written_names(fmt: str, directory: Path) -> set[str]:
    maps = ("artifacts", "final_artifacts")  # their keys are the environment's, not the layout's
    if fmt == "parquet":
        schema = pq.read_schema(directory / "examples.parquet")
        return {name for field in schema for name in [field.name, *_arrow_names(field.type)]}
    if fmt == "hf-dataset":
        features = datasets.load_from_disk(str(directory / "hf-dataset"))["train"].features.arrow_schema
        return {name for field in features for name in [field.name, *_arrow_names(field.type)]}
    (data,) = OUTPUTS[fmt]
    return {name for line in (directory / data).read_text().splitlines()
            for name in _json_names(json.loads(line), skip=maps)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_field_is_documented(dataset_store: sa.Engine, tmp_path: Path, fmt: str) -> None:
    export(dataset_store, environment_id=ENV, fmt=fmt, destination=str(tmp_path),
           options=ExportOptions(validation_share=0.5))
    written = _written_names(fmt, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    written |= set(_json_names(manifest, skip=("splits",)))
    assert written, "the export wrote something"
    missing = sorted(written - documented_export_names())
    assert not missing, f"{fmt}: docs/schema.md does not document {missing}"


def test_the_arrow_layout_is_the_record_layout() -> None:
    assert tuple(ARROW_SCHEMA.names) == RECORD_FIELDS
