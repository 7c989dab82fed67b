"""A trajectory's span labels stored in one statement: ids in the labels' order, an existing
example for a span wins (no second instruction), summaries kept."""

from __future__ import annotations

import sqlalchemy as sa

from lbi.store import examples, runs
from tests.store.rows import a_trajectory

ENV = "labels-env-v0"


def test_labels_stored_together_and_an_existing_span_wins(store: sa.Engine) -> None:
    with store.begin() as conn:
        trajectory = a_trajectory(conn, ENV, n_steps=2)
        run_id = runs.create_run(conn, flow="synthesize", environment_id=ENV, params={}, max_llm_calls=None,
                                 max_tokens=None)
        earlier = examples.add_example(conn, environment_id=ENV, trajectory_id=trajectory, run_id=run_id,
                                       start_step=1, end_step=1, kind="task", instruction="first")
    labels = [examples.Label(1, 2, "task", "both steps", ("one", "two")),
              examples.Label(1, 1, "task", "again"),
              examples.Label(2, 2, "task", "second")]
    with store.begin() as conn:
        ids = examples.add_examples(conn, environment_id=ENV, trajectory_id=trajectory, run_id=run_id, labels=labels)
        again = examples.add_examples(conn, environment_id=ENV, trajectory_id=trajectory, run_id=run_id,
                                      labels=labels)
    assert ids[1] == earlier and len(set(ids)) == 3 and again == ids
    with store.connect() as conn:
        stored = {row.id: row for row in conn.execute(sa.text(
            "SELECT e.id, e.start_step, e.end_step, e.summary, i.text FROM lbi.examples e"
            " JOIN lbi.instructions i ON i.id = e.instruction_id WHERE e.trajectory_id = :t"), {"t": trajectory})}
        instructions = conn.execute(sa.text("SELECT count(*) FROM lbi.instructions WHERE origin = 'backward'")
                                    ).scalar_one()
    assert [(stored[i].start_step, stored[i].end_step, stored[i].text) for i in ids] == [
        (1, 2, "both steps"), (1, 1, "first"), (2, 2, "second")]
    assert stored[ids[0]].summary == ["one", "two"] and stored[ids[2]].summary is None
    assert instructions == 3
