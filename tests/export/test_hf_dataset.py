"""The Hugging Face datasets export: it loads with `datasets`, its split keeps each source document on one
side, its card says how the data was made, and it is pushed only when a token is configured."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
import sqlalchemy as sa

from lbi.envs.sqlite.family import SQLITE_MANUAL
from lbi.errors import ConfigError
from lbi.export.licences import licence_of
from lbi.export.card import prompt_hashes
from lbi.export.hf import push
from lbi.export.run import ExportOptions, export

ENV = "sqlite-chinook-v0"


def _records(engine: sa.Engine, directory: Path) -> list[dict]:
    export(engine, environment_id=ENV, fmt="jsonl", destination=str(directory))
    return [json.loads(line) for line in (directory / "examples.jsonl").read_text().splitlines()]


def test_the_dataset_loads_and_no_document_feeds_both_splits(dataset_store: sa.Engine, tmp_path: Path) -> None:
    records = _records(dataset_store, tmp_path / "jsonl")
    result = export(dataset_store, environment_id=ENV, fmt="hf-dataset", destination=str(tmp_path / "hf"),
                    options=ExportOptions(validation_share=0.5))
    loaded = datasets.load_from_disk(str(tmp_path / "hf" / "hf-dataset"))
    assert set(loaded) == {"train", "validation"}
    train, validation = loaded["train"], loaded["validation"]
    assert len(train) and len(validation), "two source documents: one on each side"
    assert sorted(list(train["example_id"]) + list(validation["example_id"])) == sorted(r["example_id"] for r in records)
    assert not set(train["source_document_hash"]) & set(validation["source_document_hash"])
    assert result.manifest["splits"] == {"train": len(train), "validation": len(validation)}
    by_id = {r["example_id"]: r for r in records}
    for row in train:
        record = by_id[row["example_id"]]
        assert (row["instruction"], row["summary"], [s["action"] for s in row["steps"]]) == \
            (record["instruction"], record["summary"], [s["action"] for s in record["steps"]])
        assistant = [m for m in row["messages"] if m["role"] == "assistant"]
        assert len(assistant) == len(record["steps"]) + 1 and assistant[-1]["content"] == "ACTION: STOP"
        assert all(m["weight"] is None for m in row["messages"] if m["role"] != "assistant")


def test_the_card_records_models_prompts_policy_parameters_and_documents(dataset_store: sa.Engine,
                                                                          tmp_path: Path) -> None:
    records = _records(dataset_store, tmp_path / "jsonl")
    export(dataset_store, environment_id=ENV, fmt="hf-dataset", destination=str(tmp_path / "hf"))
    card = (tmp_path / "hf" / "README.md").read_text()
    assert card.startswith("---\npretty_name: ") and "\nlicense: other\n" in card
    for expected in ["offline-actor", "offline-generator", "offline-judge-a", "offline-judge-b", "unanimous",
                     "do not train on it", "\"instructions_per_doc\": 2"]:
        assert expected in card, expected
    for name, digest in prompt_hashes().items():
        assert f"`{name}`: `{digest}`" in card
    for record in records:
        licence = licence_of(record["source_document_path"]) or "unknown"
        assert f"| {record['source_document_title']} | `{record['source_document_hash'][:12]}` |" in card
        assert f" | {licence} |\n" in card


def test_licences_come_from_debian_copyright_files_and_python_distributions() -> None:
    assert licence_of(str(SQLITE_MANUAL / "lang_select.html")) == "public-domain (Debian package sqlite3)"
    assert licence_of(datasets.__file__) == "Apache 2.0 (Python distribution datasets)"
    assert licence_of("/nowhere/known.md") is None and licence_of(None) is None


def test_a_push_without_a_token_is_refused_before_any_network(dataset_store: sa.Engine, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    export(dataset_store, environment_id=ENV, fmt="hf-dataset", destination=str(tmp_path / "hf"))
    with pytest.raises(ConfigError, match="no Hugging Face token configured"):
        push(tmp_path / "hf", "someone/chinook")


def test_an_existing_dataset_directory_is_replaced_only_when_forced(dataset_store: sa.Engine, tmp_path: Path) -> None:
    first = export(dataset_store, environment_id=ENV, fmt="hf-dataset", destination=str(tmp_path))
    with pytest.raises(ConfigError, match="hf-dataset already exists \\(a directory\\); pass --force"):
        export(dataset_store, environment_id=ENV, fmt="hf-dataset", destination=str(tmp_path))
    again = export(dataset_store, environment_id=ENV, fmt="hf-dataset", destination=str(tmp_path), force=True)
    assert again.manifest == first.manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "hf-dataset", "manifest.json"]
