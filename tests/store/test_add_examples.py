"""A trajectory's span labels stored in one statement: ids in the labels' order, an existing
example for a span wins (no second instruction), summaries kept; one example per content in an
environment (lbi.example_content_key), whichever trajectory it comes from."""

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


def test_a_span_another_trajectory_has_makes_no_second_example(store: sa.Engine) -> None:
    with store.begin() as conn:
        first = a_trajectory(conn, ENV + "-content", n_steps=2)
        second = a_trajectory(conn, ENV + "-content", n_steps=3, new_environment=False)  # the same steps 1-2, then 3
        elsewhere = a_trajectory(conn, ENV + "-other", n_steps=2)
        run_id = runs.create_run(conn, flow="synthesize", environment_id=ENV + "-content", params={},
                                 max_llm_calls=None, max_tokens=None)
        made = examples.add_examples(conn, environment_id=ENV + "-content", trajectory_id=first, run_id=run_id, labels=[
            examples.Label(1, 2, "task", "both"), examples.Label(1, 2, "replicate", "both, step by step")])
        spans = [(1, 2, "task"), (1, 2, "replicate"), (2, 3, "task"), (1, 1, "task")]
        keys = examples.span_keys(conn, trajectory_id=second, spans=spans)
        assert {span for span, key in keys.items() if key.taken} == {(1, 2, "task"), (1, 2, "replicate")}
        assert len({key.key for key in keys.values()}) == 4
        assert not any(key.taken for key in examples.span_keys(conn, trajectory_id=elsewhere, spans=spans[:2]).values()), \
            "the same steps in another environment are another example"
        # labeled at once with the first (before the check saw its examples): the repeated span is dropped
        again = examples.add_examples(conn, environment_id=ENV + "-content", trajectory_id=second, run_id=run_id,
                                      labels=[examples.Label(1, 2, "task", "both, in other words"),
                                              examples.Label(2, 3, "task", "the last two")])
        assert examples.add_example(conn, environment_id=ENV + "-content", trajectory_id=second, run_id=run_id,
                                    start_step=1, end_step=2, kind="replicate", instruction="again") is None
        rows = conn.execute(sa.text(
            "SELECT e.id, e.trajectory_id, e.start_step, e.end_step, e.kind, i.text FROM lbi.examples e"
            " JOIN lbi.instructions i ON i.id = e.instruction_id WHERE i.environment_id = :e ORDER BY e.id"),
            {"e": ENV + "-content"}).all()
        dropped = conn.execute(sa.text("SELECT count(*) FROM lbi.instructions WHERE text IN"
                                       " ('both, in other words', 'again')")).scalar_one()
    assert [(r.trajectory_id, r.start_step, r.end_step, r.kind, r.text) for r in rows] == [
        (first, 1, 2, "task", "both"), (first, 1, 2, "replicate", "both, step by step"), (second, 2, 3, "task", "the last two")]
    assert again == [rows[2].id] and made == [rows[0].id, rows[1].id]
    assert dropped == 0, "a dropped label's instruction is not kept"
