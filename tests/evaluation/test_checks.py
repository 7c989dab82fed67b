"""The SQL environment's checkers: execution match against gold SQL or literal rows."""

from __future__ import annotations

import pytest

from lbi.envs import registry

TOP_COUNTRIES = "SELECT Country, count(*) FROM Customer GROUP BY Country ORDER BY count(*) DESC, Country LIMIT 4"


def _episode(*actions: str):
    env = registry.make("sqlite-chinook-v0")
    env.reset()
    for action in actions:
        env.step(action)
    return env


def test_an_equivalent_query_matches_and_swapped_columns_do_not() -> None:
    with _episode("SELECT Country, COUNT(*) AS n FROM Customer GROUP BY Country ORDER BY n DESC, Country LIMIT 4") as env:
        assert env.check({"type": "sql_rows", "gold_sql": TOP_COUNTRIES, "order_matters": True}).success
    with _episode("SELECT count(*), Country FROM Customer GROUP BY Country") as env:
        wrong_columns = env.check({"type": "sql_rows", "gold_sql": "SELECT Country, count(*) FROM Customer GROUP BY 1"})
    assert not wrong_columns.success and wrong_columns.detail.startswith("mismatch")
    with _episode("SELECT Country FROM Customer GROUP BY Country") as env:
        assert "expected 2 columns, got 1" in env.check(
            {"type": "sql_rows", "gold_sql": "SELECT Country, count(*) FROM Customer GROUP BY 1"}).detail


def test_a_wrong_answer_scores_zero() -> None:
    with _episode("SELECT count(*) FROM Customer WHERE Country = 'Canada'") as env:
        verdict = env.check({"type": "sql_rows", "gold_sql": "SELECT count(*) FROM Customer WHERE Country = 'Brazil'"})
    assert not verdict.success and verdict.detail.startswith("mismatch")
    with _episode() as env:
        assert "no query" in env.check({"type": "rows", "rows": [[5]]}).detail


def test_order_rounding_and_the_last_successful_query_count() -> None:
    asc = "SELECT Country, count(*) FROM Customer GROUP BY Country ORDER BY count(*) DESC, Country DESC LIMIT 4"
    with _episode(asc) as env:
        assert env.check({"type": "sql_rows", "gold_sql": TOP_COUNTRIES}).success, "as multisets"
        in_order = env.check({"type": "sql_rows", "gold_sql": TOP_COUNTRIES, "order_matters": True})
    assert not in_order.success
    with _episode("SELECT avg(Total) FROM Invoice", "SELECT nonsense FROM nowhere") as env:
        assert env.check({"type": "rows", "rows": [[5.65]]}).success, "rounded to 2 places; the error is skipped"
        assert env.check({"type": "rows", "rows": [[5.6519]], "round": 4}).success
        assert not env.check({"type": "rows", "rows": [[5.65]], "round": 4}).success
    with _episode("SELECT 3") as env:
        assert env.check({"type": "rows", "rows": [[3.0]]}).success


def test_gold_sql_runs_on_a_fresh_copy_and_a_broken_one_fails_the_check() -> None:
    with _episode("INSERT INTO Genre (Name) VALUES ('Synthwave')", "SELECT count(*) FROM Genre") as env:
        assert env.check({"type": "rows", "rows": [[26]]}).success
        assert not env.check({"type": "sql_rows", "gold_sql": "SELECT count(*) FROM Genre"}).success
        broken = env.check({"type": "sql_rows", "gold_sql": "SELECT nothing FROM nowhere"})
    assert not broken.success and "gold query failed" in broken.detail
    with pytest.raises(ValueError, match="unknown check type"):
        with _episode() as env:
            env.check({"type": "output_contains", "text": "x"})
