"""Targets with a REASON written for the example's instruction by the reason role: one per demonstrated action,
recorded in the manifest, its calls in the ledger as an export run, answered from the cache the second time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from lbi.export.reasons import Reasons
from lbi.export.run import ExportOptions, export
from lbi.prompts import act

ENV = "sqlite-chinook-v0"


def test_regenerated_reasons_speak_of_the_relabeled_instruction(dataset_store: sa.Engine, offline_model: str,
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LBI_MODEL_BASE_URL", offline_model)
    export(dataset_store, environment_id=ENV, fmt="jsonl", destination=str(tmp_path / "jsonl"))
    records = [json.loads(line) for line in (tmp_path / "jsonl" / "examples.jsonl").read_text().splitlines()]
    options = ExportOptions(reasons=Reasons.REGENERATE)
    first = export(dataset_store, environment_id=ENV, fmt="sft-steps", destination=str(tmp_path / "a"),
                   options=options)
    assert first.manifest["reasons"] == {"source": "regenerate", "model": "offline-generator", "failed": 0}
    samples = [json.loads(line) for line in (tmp_path / "a" / "sft-steps.jsonl").read_text().splitlines()]
    assert len(samples) == sum(len(r["steps"]) + 1 for r in records)
    instructions = {r["example_id"]: r["instruction"] for r in records}
    for sample in samples:
        decision = act.parse(sample["completion"], 10**6)
        assert decision.reason and instructions[sample["example_id"]].rstrip(".") in decision.reason
    with dataset_store.connect() as conn:
        runs = conn.execute(sa.text(
            "SELECT r.status, k.cache_hits + count(l.id) AS asked FROM lbi.runs r JOIN lbi.run_counters k ON k.run_id = r.id"
            " LEFT JOIN lbi.llm_calls l ON l.run_id = r.id WHERE r.flow = 'export' GROUP BY r.id, k.cache_hits"
            " ORDER BY r.id")).all()
    assert [tuple(run) for run in runs] == [("completed", len(samples))], "one question per sample (same ones cached)"
    export(dataset_store, environment_id=ENV, fmt="sft-steps", destination=str(tmp_path / "b"), options=options)
    assert (tmp_path / "a" / "sft-steps.jsonl").read_bytes() == (tmp_path / "b" / "sft-steps.jsonl").read_bytes()
    with dataset_store.connect() as conn:
        second = conn.execute(sa.text(
            "SELECT k.cache_hits, (SELECT count(*) FROM lbi.llm_calls WHERE run_id = r.id) FROM lbi.runs r"
            " JOIN lbi.run_counters k ON k.run_id = r.id WHERE flow = 'export' ORDER BY id DESC LIMIT 1")).one()
    assert tuple(second) == (len(samples), 0), "the second export pays for nothing"
