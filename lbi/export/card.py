"""The dataset card (README.md beside the Hugging Face dataset): how the data was made, from the store alone,
so the same store writes the same card byte for byte."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

import sqlalchemy as sa

from lbi.config import OFFLINE_PREFIX
from lbi.envs.base import EnvSpec
from lbi.export.licences import licence_of
from lbi.export.split import document_key

# Run parameters that describe a machine rather than how the data was made.
_NOT_PARAMETERS = ("model_base_url", "docs")

_RUNS = sa.text("SELECT id, flow, params FROM lbi.runs WHERE id = ANY(:ids) ORDER BY id")


def prompt_hashes() -> dict[str, str]:
    """Every prompt template's name and the sha256 of its text."""
    templates = resources.files("lbi.prompts").joinpath("templates")
    return {entry.name.removesuffix(".txt"): hashlib.sha256(entry.read_bytes()).hexdigest()
            for entry in sorted(templates.iterdir(), key=lambda e: e.name) if entry.name.endswith(".txt")}


def _runs(conn: sa.Connection, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = sorted({r["run_id"] for r in records if r["run_id"]} | {r["accepted_run_id"] for r in records
                                                                  if r["accepted_run_id"]})
    return [dict(row) for row in conn.execute(_RUNS, {"ids": ids}).mappings()]


def _bullets(values: list[str]) -> str:
    return "\n".join(f"- {value}" for value in values) if values else "- (none)"


def _size_category(count: int) -> str:
    for bound, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < bound:
            return name
    return "n>1M"


def dataset_card(conn: sa.Connection, spec: EnvSpec, splits: dict[str, list[dict[str, Any]]],
                 fields: dict[str, Any]) -> str:
    records = [r for rows in splits.values() for r in rows]
    runs = _runs(conn, records)
    params = [r["params"] for r in runs]
    models = {
        "actor": sorted({r["actor_model"] for r in records}),
        "generator (self-instruct, backward construction)": sorted({p["generator_model"] for p in params
                                                                    if p.get("generator_model")}),
        "committee (judges)": sorted({judge for p in params for judge in p.get("committee") or []}
                                     | {v["judge"] for r in records for v in r["verdicts"]}),
    }
    if fields.get("reasons", {}).get("model"):
        models["reason (targets' REASON lines)"] = [fields["reasons"]["model"]]
    policies = sorted({r["policy"] for r in records if r["policy"]})
    offline = any(name.startswith(OFFLINE_PREFIX) for names in models.values() for name in names)
    side = {document_key(r): name for name, rows in splits.items() for r in rows}
    documents: dict[str, dict[str, Any]] = {}
    for r in records:
        entry = documents.setdefault(document_key(r), {"title": r["source_document_title"],
                                                       "path": r["source_document_path"], "examples": 0})
        entry["examples"] += 1
    document_rows = [
        f"| {d['title'] or '(no source chunk)'} | `{key[:12] or '-'}` | {side[key]} | {d['examples']} | "
        f"{licence_of(d['path']) or 'unknown'} |"
        for key, d in sorted(documents.items(), key=lambda item: (item[1]["title"] or "", item[0]))
    ]
    parameters = [f"run {r['id']} ({r['flow']}): `"
                  + json.dumps({k: v for k, v in sorted(r["params"].items()) if k not in _NOT_PARAMETERS},
                               sort_keys=True, ensure_ascii=False) + "`" for r in runs]
    reasons = fields.get("reasons", {}).get("source", "omit")
    counts = {name: len(rows) for name, rows in splits.items()}
    front = "\n".join([
        "---",
        f"pretty_name: {spec.id} agent demonstrations (learn-by-interact)",
        "license: other",
        "task_categories:\n- text-generation",
        "tags:\n- agents\n- synthetic\n- learn-by-interact",
        f"size_categories:\n- {_size_category(len(records))}",
        "---",
    ])
    return "\n".join([
        front,
        "",
        f"# {spec.id}: agent demonstrations made by learn-by-interact",
        "",
        f"{spec.description}",
        "",
        f"Action language: {spec.action_language}.",
        "",
        ("**Made with the offline stand-in model: this data exercises the pipeline; do not train on it.**\n"
         if offline else ""),
        "## How it was made",
        "",
        "Tasks were proposed from the environment's documentation (self-instruct), rolled out by the actor "
        "in the environment, every span of each rollout relabeled with the instruction it accomplishes "
        "(backward construction: `task` and `replicate` kinds), and kept only when the committee of judges "
        "accepted it on four criteria (aligned, coherent, natural, reasonable).",
        "",
        "### Models",
        "",
        _bullets([f"{role}: {', '.join(names) or '(unknown)'}" for role, names in models.items()]),
        "",
        "### Committee policy",
        "",
        _bullets(policies),
        "",
        "### Prompts (template and the sha256 of its text when exported)",
        "",
        _bullets([f"`{name}`: `{digest}`" for name, digest in prompt_hashes().items()]),
        "",
        "### Parameters of the runs that made these examples",
        "",
        _bullets(parameters),
        "",
        "## Splits",
        "",
        f"By source document: every example of a document is on one side (validation: about "
        f"{fields.get('validation_share', 0):.0%} of the documents, chosen by their content hash). "
        + ", ".join(f"{name}: {count} examples" for name, count in counts.items()) + ".",
        "",
        "## Source documents",
        "",
        "| document | content hash | split | examples | licence |",
        "|---|---|---|---|---|",
        *document_rows,
        "",
        "## Columns",
        "",
        "One row per accepted example; the columns are those of the JSONL export and of the `lbi.accepted_dataset` "
        "view (docs/schema.md), maps given as name/value pairs, and `messages`: the example as one conversation "
        "(the actor's system prompt and first prompt, then each action as an assistant turn with a `weight`, "
        "each observation as a user turn, ending with STOP).",
        "",
        f"Assistant targets: REASON lines {'written anew for the instruction by the reason model' if reasons == 'regenerate' else 'left out (the action alone)'}; "
        "the `reason` of `steps` is the actor's own, written for `task`.",
        "",
        f"Schema version {fields['schema_version']}.",
        "",
    ])
