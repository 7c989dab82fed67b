"""Migration 0016 keys every example by its content: a store's examples all stay, the earliest of
those sharing a content gets the key, and a later copy of it cannot be added any more."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lbi.store import embedded, examples
from lbi.store.migrate import migrate
from tests.older_store import later_migrations, older_store
from tests.store.rows import a_trajectory

ENV = "content-key-env-v0"


def test_a_store_s_repeated_examples_stay_and_the_earliest_holds_the_key(
        pg_info: embedded.PostmasterInfo, tmp_path: Path) -> None:
    with older_store(pg_info, tmp_path, before=16) as engine:
        with engine.begin() as conn:
            first = a_trajectory(conn, ENV, n_steps=2)
            second = a_trajectory(conn, ENV, n_steps=2, new_environment=False)  # the same steps
            made = conn.execute(sa.text(  # as 0015's backward construction stored them: one per span and kind
                "WITH i AS (INSERT INTO lbi.instructions (environment_id, origin, text, text_hash)"
                "           SELECT :env, 'backward', 'label ' || n, 'l' || n FROM generate_series(1, 3) n"
                "           RETURNING id, text)"
                " INSERT INTO lbi.examples (trajectory_id, start_step, end_step, kind, instruction_id)"
                " SELECT CASE WHEN i.text = 'label 2' THEN :second ELSE :first END,"
                "        CASE WHEN i.text = 'label 3' THEN 2 ELSE 1 END, 1 + (i.text = 'label 3')::int, 'task', i.id"
                " FROM i ORDER BY i.id RETURNING id"), {"env": ENV, "first": first, "second": second}).scalars().all()
        assert migrate(engine) == later_migrations(16)
        with engine.begin() as conn:
            keys = dict(conn.execute(sa.text("SELECT id, content_key FROM lbi.examples")).all())
            assert keys[made[0]] is not None and keys[made[1]] is None and keys[made[2]] not in (None, keys[made[0]])
            keys = examples.span_keys(conn, trajectory_id=second, spans=[(1, 1, "task"), (2, 2, "task"),
                                                                         (1, 1, "replicate")])
            assert {span for span, key in keys.items() if key.taken} == {(1, 1, "task"), (2, 2, "task")}
            assert examples.add_example(conn, environment_id=ENV, trajectory_id=second, run_id=None, start_step=2,
                                        end_step=2, kind="task", instruction="a copy") is None
