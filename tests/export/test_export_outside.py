"""The dataset exported from a database the project has never seen is valid there: every example of the
Hugging Face export, replayed on a fresh copy of that database, shows the observations its record and its
conversation hold, and its conversation ends with STOP."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.cli import app
from lbi.envs import registry
from lbi.prompts.act import STOP
from tests.envs import outside_clinic

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def earlier_actions(store: sa.Engine, trajectory_id: int, start_step: int) -> list[str]:
    """The rollout's actions before the span (they made the state the span starts from)."""
    with store.connect() as conn:
        return list(conn.execute(sa.text(
            "SELECT action FROM lbi.steps WHERE trajectory_id = :t AND idx < :start ORDER BY idx"),
            {"t": trajectory_id, "start": start_step}).scalars())


def test_an_outside_databases_export_replays_there(store: sa.Engine, tmp_path: Path) -> None:
    db, docs = outside_clinic.build(tmp_path)
    original = db.read_bytes()
    cli = CliRunner()
    added = cli.invoke(app, ["env", "add", "clinic", "--family", "sqlite", "--db", str(db), "--docs", str(docs),
                             "--no-default-docs"])
    assert added.exit_code == 0, added.output
    assert synthesize(SynthesizeParams(env="clinic", max_docs=2, instructions_per_doc=2, max_steps=4))["status"] \
        == "completed"
    exported = cli.invoke(app, ["export", "--env", "clinic", "--format", "hf-dataset", "--to", str(tmp_path / "hf")])
    assert exported.exit_code == 0, exported.output
    splits = datasets.load_from_disk(str(tmp_path / "hf" / "hf-dataset"))
    rows = [row for split in splits.values() for row in split]
    assert rows, "the outside database gave no accepted example"

    for row in rows:
        assert row["environment_id"] == "clinic"
        user_turns = [m["content"] for m in row["messages"] if m["role"] == "user"][1:]  # after the first prompt
        assistant_turns = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
        assert STOP in assistant_turns[-1] and len(assistant_turns) == len(row["steps"]) + 1, row["example_id"]
        with registry.make("clinic") as env:
            env.reset()
            for action in earlier_actions(store, row["trajectory_id"], row["start_step"]):
                env.step(action)
            for step, shown, said in zip(row["steps"], user_turns, assistant_turns):
                assert step["action"] in said
                observation = env.step(step["action"]).observation
                assert observation.text == step["observation"], (row["example_id"], step["action"])
                assert observation.text in shown
    print(f"clinic: {len(rows)} exported examples replayed where they were made")
    assert db.read_bytes() == original  # episodes ran on copies; the user's file is untouched
