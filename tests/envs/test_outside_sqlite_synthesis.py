"""`synthesize` with the offline model on a SQLite database the project has never seen, registered as a user
environment: the accepted examples only use tables that exist there, none keeps an erroring step, no two
repeat each other, and each one's statements run again on a fresh copy of the database. The demo's Chinook
run still accepts examples."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.cli import app
from lbi.envs.sqlite.offline.statements import tables_used
from tests.envs import outside_clinic
from tests.flows import dataset

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")
RUN = dict(max_docs=3, instructions_per_doc=3, max_steps=5)


def accepted_examples(store: sa.Engine) -> list[list[tuple[str, str, bool]]]:
    """Each accepted example's steps as (action, observation, observation_error)."""
    with store.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT e.id, s.action, s.observation, s.observation_error FROM lbi.examples e
            JOIN lbi.steps s ON s.trajectory_id = e.trajectory_id AND s.idx BETWEEN e.start_step AND e.end_step
            WHERE e.status = 'accepted' ORDER BY e.id, s.idx""")).all()
    examples: dict[int, list[tuple[str, str, bool]]] = {}
    for example_id, action, observation, error in rows:
        examples.setdefault(example_id, []).append((action, observation, error))
    return list(examples.values())


def touches_only(steps: list[tuple[str, str, bool]], tables: set[str]) -> bool:
    return all(table.lower() in tables for action, _, _ in steps for table in tables_used(action))


def test_synthesis_on_an_outside_database_stays_on_its_tables(store: sa.Engine, tmp_path: Path) -> None:
    db, docs = outside_clinic.build(tmp_path)
    added = CliRunner().invoke(app, ["env", "add", "clinic", "--family", "sqlite", "--db", str(db), "--docs",
                                     str(docs), "--no-default-docs"])
    assert added.exit_code == 0, added.output
    result = synthesize(SynthesizeParams(env="clinic", **RUN))
    assert result["status"] == "completed", result
    examples = accepted_examples(store)
    assert examples, result["totals"]
    existing = {t.lower() for t in outside_clinic.TABLES}
    grounded = sum(touches_only(steps, existing) for steps in examples)
    print(f"clinic: {grounded} of {len(examples)} accepted examples touch only existing tables")
    assert grounded >= 0.9 * len(examples)
    assert not [s for steps in examples for s in steps if s[2] or s[1].startswith("Error")]
    assert len(dataset.examples(store)) == result["totals"]["examples"], "two examples share their content"
    for steps in examples:
        copy = tmp_path / "copy.db"
        shutil.copyfile(db, copy)
        connection = sqlite3.connect(copy)
        try:
            for action, _, _ in steps:
                connection.execute(action).fetchall()  # raises on an error
        finally:
            connection.close()
            copy.unlink()


def test_synthesis_on_chinook_still_accepts_examples(store: sa.Engine) -> None:
    result = synthesize(SynthesizeParams(env="sqlite-chinook-v0", **RUN))
    assert result["status"] == "completed", result
    examples = accepted_examples(store)
    assert examples, result["totals"]
    grounded = sum(touches_only(steps, CHINOOK_TABLES) for steps in examples)
    print(f"chinook: {grounded} of {len(examples)} accepted examples touch only existing tables")
    assert grounded >= 0.9 * len(examples)
    assert not [s for steps in examples for s in steps if s[2] or s[1].startswith("Error")]


CHINOOK_TABLES = {t.lower() for t in ("Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine",
                                      "MediaType", "Playlist", "PlaylistTrack", "Track")}
