"""`lbi stats`: numbers are JSON numbers, and evaluation calls stay out of the synthesis figures."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lbi.cli import app
from lbi.store import ledger, runs
from lbi.store.stats import environment_stats

ENV = "stats-env-v0"


def _calls(conn: sa.Connection, run_id: int, statuses: list[str], tokens: int) -> None:
    for number, status in enumerate(statuses):
        ledger.record_call(conn, request_hash=f"{run_id}-{number}", run_id=run_id, role="r", model="m",
                           request_json="{}", status=status, prompt_tokens=tokens, completion_tokens=tokens)


@pytest.fixture
def usage(store: sa.Engine) -> sa.Engine:
    with store.begin() as conn:
        conn.execute(sa.text("INSERT INTO lbi.environments (id, family, description, action_language)"
                             " VALUES (:id, 'sqlite', 'd', 'SQL')"), {"id": ENV})
        synthesis = [runs.create_run(conn, flow="synthesize", environment_id=ENV, params={}, max_llm_calls=None,
                                     max_tokens=None) for _ in range(2)]
        evaluation = runs.create_run(conn, flow="evaluate", environment_id=ENV, params={}, max_llm_calls=None,
                                     max_tokens=None)
        _calls(conn, synthesis[0], ["ok", "invalid", "error"], 1_000_000_000)
        _calls(conn, synthesis[1], ["ok"], 5)
        _calls(conn, evaluation, ["ok", "ok", "ok"], 7)
        conn.execute(sa.text("UPDATE lbi.run_counters SET cache_hits = 4, cached_tokens = 3000000000 WHERE run_id = :r"),
                     {"r": synthesis[1]})
    return store


def test_synthesis_and_evaluation_usage_are_apart_and_numbers_are_integers(usage: sa.Engine) -> None:
    with usage.connect() as conn:
        [row] = environment_stats(conn, environment_id=ENV)
    assert row["runs"] == 2 and row["paid_calls"] == 3 and row["invalid_calls"] == 1 and row["failed_calls"] == 1
    assert row["paid_tokens"] == 4_000_000_010 and row["cached_tokens"] == 3_000_000_000 and row["cached_calls"] == 4
    assert (row["evaluation_runs"], row["evaluation_paid_calls"], row["evaluation_paid_tokens"]) == (1, 3, 42)
    assert all(type(value) is int for key, value in row.items() if key not in ("environment", "keep_rate"))


@pytest.mark.usefixtures("usage")
def test_stats_json_gives_numbers_not_strings() -> None:
    result = CliRunner().invoke(app, ["stats", "--env", ENV, "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["paid_tokens"] == 4_000_000_010 and row["cached_tokens"] == 3_000_000_000
