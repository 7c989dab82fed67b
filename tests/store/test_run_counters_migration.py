"""Migration 0015 moves a run's model-call counters to lbi.run_counters: a store's earlier runs keep
their counts, and lbi.run_costs shows the same figures as before."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lbi.store import embedded, runs
from lbi.store.migrate import migrate
from tests.older_store import later_migrations, older_store
from tests.retrieval.seeding import CHINOOK, seed_environments


def test_earlier_runs_keep_their_counters(pg_info: embedded.PostmasterInfo, tmp_path: Path) -> None:
    with older_store(pg_info, tmp_path, before=15) as engine:
        with engine.begin() as conn:
            seed_environments(conn)
            ids = conn.execute(sa.text(
                "INSERT INTO lbi.runs (flow, environment_id, llm_calls, tokens, cache_hits, cached_tokens)"
                " VALUES ('synthesize', :env, 7, 3000000000, 2, 40), ('evaluate', :env, 0, 0, 0, 0) RETURNING id"),
                {"env": CHINOOK}).scalars().all()
            before = conn.execute(sa.text("SELECT * FROM lbi.run_costs ORDER BY run_id")).mappings().all()
        assert migrate(engine) == later_migrations(15)
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT * FROM lbi.run_costs ORDER BY run_id")).mappings().all() == before
            counted = [runs.get_run(conn, run_id=run_id) for run_id in ids]
            assert [(r["llm_calls"], r["tokens"], r["cache_hits"], r["cached_tokens"]) for r in counted] \
                == [(7, 3000000000, 2, 40), (0, 0, 0, 0)]
            columns = conn.execute(sa.text("SELECT column_name FROM information_schema.columns"
                                           " WHERE table_schema = 'lbi' AND table_name = 'runs'")).scalars().all()
            assert not {"llm_calls", "tokens", "cache_hits", "cached_tokens"} & set(columns)
            new = runs.create_run(conn, flow="synthesize", environment_id=CHINOOK, params={}, max_llm_calls=None,
                                  max_tokens=None)
            assert runs.get_run(conn, run_id=new)["llm_calls"] == 0
