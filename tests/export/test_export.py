"""Every export format, read back and compared with the store; determinism; the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from lbi.errors import ConfigError
from lbi.export.manifest import file_sha256
from lbi.export.run import export

ENV = "sqlite-chinook-v0"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _accepted(engine: sa.Engine) -> dict[int, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.id, i.text, e.kind, e.start_step, e.end_step FROM lbi.examples e"
            " JOIN lbi.instructions i ON i.id = e.instruction_id WHERE e.status = 'accepted'"
        )).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_jsonl_holds_every_accepted_example_with_its_steps(dataset_store: sa.Engine, tmp_path: Path) -> None:
    result = export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path))
    records = _lines(tmp_path / "examples.jsonl")
    accepted = _accepted(dataset_store)
    assert result.records == len(records) == len(accepted) > 0
    for record in records:
        span = record["span"]
        assert accepted[record["example_id"]] == (record["instruction"], record["kind"], span["start_step"],
                                                  span["end_step"])
        assert 1 <= len(record["steps"]) == span["length"] <= span["end_step"] - span["start_step"] + 1
        assert record["provenance"]["document_hash"] and record["provenance"]["source_task"]
        assert {v["judge"] for v in record["provenance"]["verdicts"]} == {"offline-judge-a", "offline-judge-b"}
        assert all(v["accept"] for v in record["provenance"]["verdicts"]), "unanimous policy"


INTERNAL = ("Role:", "lbi_role", "lbi_family", "metadata")


def test_chat_and_sft_samples_predict_each_step_action(dataset_store: sa.Engine, tmp_path: Path) -> None:
    export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path))
    records = _lines(tmp_path / "examples.jsonl")
    chat = export(dataset_store, environment_id=ENV, fmt="openai-chat", destination=str(tmp_path))
    sft = export(dataset_store, environment_id=ENV, fmt="sft-steps", destination=str(tmp_path))
    expected_actions = [step["action"] for r in records for step in r["steps"]]
    assert chat.records == sft.records == len(expected_actions)
    samples = _lines(tmp_path / "openai-chat.jsonl")
    for sample, action in zip(samples, expected_actions):
        roles = [m["role"] for m in sample["messages"]]
        assert roles == ["system", "user", "assistant"]
        assert sample["messages"][-1]["content"].endswith(f"ACTION: {action}")
        assert sample["messages"][0]["content"].startswith("You complete tasks by acting")
        assert not any(internal in json.dumps(sample) for internal in INTERNAL), "nothing only the offline model reads"
    flat = _lines(tmp_path / "sft-steps.jsonl")
    assert [s["completion"] for s in flat] == [s["messages"][-1]["content"] for s in samples]
    first_steps = [s for s in flat if s["step"] == 1]
    assert len(first_steps) == len(records)


def test_parquet_reads_back_as_the_jsonl_records(dataset_store: sa.Engine, tmp_path: Path) -> None:
    export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path))
    export(dataset_store, environment_id=ENV, fmt="parquet", destination=str(tmp_path))
    records = _lines(tmp_path / "examples.jsonl")
    table = pq.read_table(tmp_path / "examples.parquet").to_pylist()
    for row in table:  # parquet maps read back as (key, value) pairs
        row["steps"] = [{**step, "artifacts": dict(step["artifacts"])} for step in row["steps"]]
    assert [(r["example_id"], r["instruction"], r["steps"]) for r in records] == \
        [(t["example_id"], t["instruction"], t["steps"]) for t in table]
    assert all(t["span_length"] == len(t["steps"]) for t in table)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "openai-chat", "sft-steps"])
def test_same_store_same_bytes_and_manifest(dataset_store: sa.Engine, tmp_path: Path, fmt: str) -> None:
    first = export(dataset_store, environment_id=ENV, fmt=fmt, destination=str(tmp_path / "a"))
    export(dataset_store, environment_id=ENV, fmt=fmt, destination=str(tmp_path / "b"))
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir()) and "manifest.json" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    (entry,) = first.manifest["files"]
    data = tmp_path / "a" / entry["name"]
    assert entry["sha256"] == file_sha256(data) and entry["bytes"] == data.stat().st_size
    assert entry["records"] == first.records
    assert first.manifest["schema_version"] == "1.0" and first.manifest["format"] == fmt


def test_since_a_later_run_exports_nothing(dataset_store: sa.Engine, tmp_path: Path) -> None:
    with dataset_store.connect() as conn:
        last = conn.execute(sa.text("SELECT max(id) FROM lbi.runs")).scalar()
    assert export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path), since_run=last).records > 0
    assert export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path),
                  since_run=last + 1, force=True).records == 0


def test_an_existing_export_is_refused_unless_forced_and_links_are_replaced_not_followed(
        dataset_store: sa.Engine, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "manifest.json").symlink_to(victim)
    (destination / ".examples.jsonl.partial").symlink_to(victim)
    first = export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(destination))
    assert victim.read_text() == "precious\n" and not (destination / "manifest.json").is_symlink()
    with pytest.raises(ConfigError, match="already exists .* --force"):
        export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(destination))
    (destination / "examples.jsonl").unlink()
    (destination / "examples.jsonl").symlink_to(victim)
    with pytest.raises(ConfigError, match="already exists \\(a symbolic link\\)"):
        export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(destination))
    again = export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(destination), force=True)
    assert victim.read_text() == "precious\n" and not (destination / "examples.jsonl").is_symlink()
    assert again.manifest == first.manifest
    assert sorted(p.name for p in destination.iterdir()) == [".examples.jsonl.partial", "examples.jsonl",
                                                              "manifest.json"], "no staging directory is left"
    link = tmp_path / "link"
    link.symlink_to(destination)
    with pytest.raises(ConfigError, match="is a symbolic link"):
        export(dataset_store, environment_id=ENV, fmt="parquet", destination=str(link))


def test_bad_requests_are_clear_errors(dataset_store: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown export format 'csv'"):
        export(dataset_store, environment_id=ENV, fmt="csv", destination=str(tmp_path))
    with pytest.raises(ConfigError, match="no data for environment 'nope-v0'"):
        export(dataset_store, environment_id="nope-v0", fmt="jsonl", destination=str(tmp_path))
    with pytest.raises(ConfigError, match="without a bucket"):
        export(dataset_store, environment_id=ENV, fmt="jsonl", destination="s3://")
