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
from lbi.export.writers import FORMATS, OUTPUTS
from lbi.prompts import act

ENV = "sqlite-chinook-v0"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _accepted(engine: sa.Engine) -> dict[int, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.id, i.text, e.kind, e.start_step, e.end_step, e.summary FROM lbi.examples e"
            " JOIN lbi.instructions i ON i.id = e.instruction_id WHERE e.status = 'accepted'"
        )).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _records(engine: sa.Engine, directory: Path) -> list[dict]:
    export(engine, environment_id=ENV, fmt="jsonl", destination=str(directory), force=True)
    return _lines(directory / "examples.jsonl")


def test_jsonl_holds_every_accepted_example_with_its_steps_and_summary(dataset_store: sa.Engine,
                                                                        tmp_path: Path) -> None:
    result = export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path))
    records = _lines(tmp_path / "examples.jsonl")
    accepted = _accepted(dataset_store)
    assert result.records == len(records) == len(accepted) > 0
    for record in records:
        assert accepted[record["example_id"]] == (record["instruction"], record["kind"], record["start_step"],
                                                  record["end_step"], record["summary"])
        assert 1 <= len(record["steps"]) == record["span_steps"] <= record["end_step"] - record["start_step"] + 1
        assert record["source_document_hash"] and record["task"]
        assert {v["judge"] for v in record["verdicts"]} == {"offline-judge-a", "offline-judge-b"}
        assert all(v["accept"] for v in record["verdicts"]), "unanimous policy"
    replicate = [r for r in records if r["kind"] == "replicate"]
    assert replicate and all(r["summary"] and all(isinstance(s, str) and s for s in r["summary"]) for r in replicate)
    assert all(r["summary"] is None for r in records if r["kind"] == "task")


def test_the_records_are_the_views_rows_under_the_same_names(dataset_store: sa.Engine, tmp_path: Path) -> None:
    records = _records(dataset_store, tmp_path)
    with dataset_store.connect() as conn:
        view = {row["example_id"]: dict(row) for row in conn.execute(sa.text(
            "SELECT * FROM lbi.accepted_dataset WHERE environment_id = :e"), {"e": ENV}).mappings()}
    for record in records:
        row = view[record["example_id"]]
        shared = set(record) & set(row)
        assert shared >= {"instruction", "steps", "start_observation", "span_steps", "start_step", "summary",
                          "source_document_title", "task", "trajectory_id"}
        assert {name: record[name] for name in shared} == {name: row[name] for name in shared}
        assert set(record) - set(row) == {"schema_version", "final_artifacts", "verdicts"}


def test_every_accepted_span_yields_its_step_samples_and_then_stop(dataset_store: sa.Engine, tmp_path: Path) -> None:
    records = _records(dataset_store, tmp_path)
    chat = export(dataset_store, environment_id=ENV, fmt="openai-chat", destination=str(tmp_path))
    sft = export(dataset_store, environment_id=ENV, fmt="sft-steps", destination=str(tmp_path))
    expected = [(r["example_id"], action) for r in records for action in [s["action"] for s in r["steps"]] + [act.STOP]]
    assert chat.records == sft.records == len(expected)
    samples = _lines(tmp_path / "openai-chat.jsonl")
    flat = _lines(tmp_path / "sft-steps.jsonl")
    for sample, line, (example_id, action) in zip(samples, flat, expected):
        assert [m["role"] for m in sample["messages"]] == ["system", "user", "assistant"]
        assert sample["messages"][-1]["content"] == f"ACTION: {action}", "reasons omitted by default"
        assert sample["messages"][0]["content"].startswith("You complete tasks by acting")
        assert (line["example_id"], line["completion"]) == (example_id, sample["messages"][-1]["content"])
    stops = [line for line in flat if line["completion"] == f"ACTION: {act.STOP}"]
    assert [s["example_id"] for s in stops] == [r["example_id"] for r in records], "one STOP per accepted span"
    for stop, record in zip(stops, records):
        assert stop["step"] == len(record["steps"]) + 1
        assert f"Current observation:\n{record['steps'][-1]['observation']}" in stop["prompt"]
    assert chat.manifest["reasons"] == {"source": "omit"}


def test_conversations_round_trip_to_the_records(dataset_store: sa.Engine, tmp_path: Path) -> None:
    records = _records(dataset_store, tmp_path)
    result = export(dataset_store, environment_id=ENV, fmt="conversations", destination=str(tmp_path))
    conversations = _lines(tmp_path / "conversations.jsonl")
    assert result.records == len(conversations) == len(records)
    for conversation, record in zip(conversations, records):
        messages = conversation["messages"]
        system, first, *turns = messages
        assert (system["role"], first["role"]) == ("system", "user")
        assert f"Task: {record['instruction']}\n" in first["content"]
        assert f"Current observation:\n{record['start_observation']}\n" in first["content"]
        assistant, user = turns[0::2], turns[1::2]
        assert all(m["role"] == "assistant" for m in assistant) and all(m["role"] == "user" for m in user)
        actions = [act.parse(m["content"], 10**6).action for m in assistant]
        assert actions == [s["action"] for s in record["steps"]] + [act.STOP]
        assert [m["content"].removeprefix("Observation:\n").removesuffix("\n\nWhat is the next action?")
                for m in user] == [s["observation"] for s in record["steps"]]
        assert [m["weight"] for m in assistant] == [0 if s["observation_error"] else 1 for s in record["steps"]] + [1]
        assert all("weight" not in m for m in [system, first, *user])


def test_parquet_reads_back_as_the_jsonl_records(dataset_store: sa.Engine, tmp_path: Path) -> None:
    records = _records(dataset_store, tmp_path)
    export(dataset_store, environment_id=ENV, fmt="parquet", destination=str(tmp_path))
    table = pq.read_table(tmp_path / "examples.parquet").to_pylist()
    for row in table:  # maps are stored as name/value pairs
        row["steps"] = [{**step, "artifacts": {p["name"]: p["value"] for p in step["artifacts"]}}
                        for step in row["steps"]]
        row["final_artifacts"] = {p["name"]: p["value"] for p in row["final_artifacts"]}
    assert table == records


INTERNAL = ("Role:", "lbi_role", "lbi_family", "metadata", "offline stand-in")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_export_carries_internal_text(dataset_store: sa.Engine, tmp_path: Path, fmt: str) -> None:
    export(dataset_store, environment_id=ENV, fmt=fmt, destination=str(tmp_path))
    data = [p for name in OUTPUTS[fmt] for p in ([tmp_path / name] if (tmp_path / name).is_file()
                                                  else sorted((tmp_path / name).rglob("*")))
            if p.is_file() and p.name != "README.md"]  # the card may warn about the offline model
    assert data
    for path in data:
        text = pq.read_table(path).to_pandas().to_json() if path.suffix == ".parquet" else \
            path.read_bytes().decode("utf-8", errors="replace")
        found = [marker for marker in INTERNAL if marker in text]
        assert not found, f"{path.name} carries {found}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_store_same_bytes_and_manifest(dataset_store: sa.Engine, tmp_path: Path, fmt: str) -> None:
    first = export(dataset_store, environment_id=ENV, fmt=fmt, destination=str(tmp_path / "a"))
    export(dataset_store, environment_id=ENV, fmt=fmt, destination=str(tmp_path / "b"))
    names = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert sorted(Path(f["name"]) for f in first.manifest["files"]) == [n for n in names if n.name != "manifest.json"]
    for entry in first.manifest["files"]:
        data = tmp_path / "a" / entry["name"]
        assert entry["sha256"] == file_sha256(data) and entry["bytes"] == data.stat().st_size
    assert first.manifest["records"] == first.records > 0
    assert first.manifest["schema_version"] == "2.0" and first.manifest["format"] == fmt


def test_since_a_later_run_exports_nothing(dataset_store: sa.Engine, tmp_path: Path) -> None:
    with dataset_store.connect() as conn:
        last = conn.execute(sa.text("SELECT max(run_id) FROM lbi.examples")).scalar()
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
