"""The SQL environment's checks on the real Chinook database: execution match, sort keys, bounds, column order."""

from __future__ import annotations

import pytest

from lbi.envs import registry
from lbi.envs.checks import UnsupportedCheck, parse_check
from lbi.envs.shell.checks import OutputContains
from lbi.envs.sqlite.checks import ROWS_BOUND, Check, RowsCheck, SqlRowsCheck
from lbi.envs.sqlite.order_by import order_by_terms, sort_key_positions

TOP_COUNTRIES = "SELECT Country, count(*) FROM Customer GROUP BY Country ORDER BY count(*) DESC, Country LIMIT 4"
# 3503 tracks: more than the 1,000 rows an observation ever kept.
ALL_TRACKS = "SELECT TrackId, Name FROM Track"


def _episode(*actions: str):
    env = registry.make("sqlite-chinook-v0")
    env.reset()
    for action in actions:
        env.step(action)
    return env


def sql_rows(gold_sql: str, **options) -> SqlRowsCheck:
    return SqlRowsCheck(gold_sql=gold_sql, **options)


def test_an_equivalent_query_matches_and_swapped_columns_do_not_by_default() -> None:
    with _episode("SELECT Country, COUNT(*) AS n FROM Customer GROUP BY Country ORDER BY n DESC, Country LIMIT 4") as env:
        assert env.check(sql_rows(TOP_COUNTRIES, order_matters=True)).success
    with _episode("SELECT count(*), Country FROM Customer GROUP BY Country") as env:
        swapped = env.check(sql_rows("SELECT Country, count(*) FROM Customer GROUP BY 1"))
        assert env.check(sql_rows("SELECT Country, count(*) FROM Customer GROUP BY 1", ignore_column_order=True)).success
    assert not swapped.success and swapped.detail.startswith("mismatch")
    with _episode("SELECT Country FROM Customer GROUP BY Country") as env:
        assert "expected 2 columns, got 1" in env.check(
            sql_rows("SELECT Country, count(*) FROM Customer GROUP BY 1", ignore_column_order=True)).detail


def test_ignore_column_order_still_needs_the_same_rows() -> None:
    permuted = sql_rows("SELECT FirstName, LastName FROM Employee", ignore_column_order=True)
    for answer, right in [("SELECT LastName, FirstName FROM Employee", True),
                          ("SELECT LastName, FirstName FROM Employee WHERE EmployeeId > 1", False),
                          ("SELECT FirstName, FirstName FROM Employee", False)]:
        with _episode(answer) as env:
            assert env.check(permuted).success is right, answer
    with _episode("SELECT 2, 1") as env:
        assert env.check(RowsCheck(rows=[[1, 2]], ignore_column_order=True)).success
        assert env.check(RowsCheck(rows=[[2, 1]])).success
        assert not env.check(RowsCheck(rows=[[1, 2]])).success


def test_a_wrong_answer_scores_zero() -> None:
    with _episode("SELECT count(*) FROM Customer WHERE Country = 'Canada'") as env:
        verdict = env.check(sql_rows("SELECT count(*) FROM Customer WHERE Country = 'Brazil'"))
    assert not verdict.success and verdict.detail.startswith("mismatch")
    with _episode() as env:
        assert "no query" in env.check(RowsCheck(rows=[[5]])).detail


def test_ties_under_order_by_are_free_but_the_sort_keys_order_is_checked() -> None:
    gold = "SELECT Country, count(*) AS n FROM Customer GROUP BY Country ORDER BY n DESC"
    # Many countries tie on one customer: any order among them is right.
    with _episode("SELECT Country, count(*) FROM Customer GROUP BY Country ORDER BY count(*) DESC, Country DESC") as env:
        verdict = env.check(sql_rows(gold, order_matters=True))
        assert verdict.success and "in order of n" in verdict.detail, verdict.detail
        assert not env.check(sql_rows(gold + ", Country", order_matters=True)).success, "ties broken by the gold"
    with _episode("SELECT Country, count(*) FROM Customer GROUP BY Country ORDER BY count(*) ASC") as env:
        wrong = env.check(sql_rows(gold, order_matters=True))
        assert not wrong.success and "wrong order" in wrong.detail
        assert env.check(sql_rows(gold)).success, "as multisets"


def test_explicit_sort_keys_and_the_exact_order_fallback() -> None:
    gold = "SELECT Name, Milliseconds FROM Track WHERE AlbumId = 1 ORDER BY Milliseconds"
    with _episode("SELECT Name, Milliseconds FROM Track WHERE AlbumId = 1 ORDER BY Milliseconds DESC") as env:
        assert not env.check(sql_rows(gold, order_matters=True)).success
    # ORDER BY a column that is not in the output cannot be mapped: whole rows in order.
    unmapped = "SELECT Name FROM Genre ORDER BY GenreId"
    with _episode("SELECT Name FROM Genre ORDER BY GenreId") as env:
        assert env.check(sql_rows(unmapped, order_matters=True)).success
    with _episode("SELECT Name FROM Genre ORDER BY Name") as env:
        assert not env.check(sql_rows(unmapped, order_matters=True)).success
    with _episode("SELECT 1, 'b' UNION ALL SELECT 1, 'a'") as env:
        assert env.check(RowsCheck(rows=[[1, "a"], [1, "b"]], order_matters=True, sort_keys=[1])).success
        assert not env.check(RowsCheck(rows=[[1, "a"], [1, "b"]], order_matters=True)).success
        broken = env.check(sql_rows("SELECT 1 AS x", order_matters=True, sort_keys=["y"]))
    assert broken.broken_check and "sort_keys" in broken.detail


@pytest.mark.parametrize("sql, columns, positions", [
    ("SELECT a, count(*) AS n FROM t GROUP BY a ORDER BY n DESC, t.a COLLATE NOCASE LIMIT 3", ["a", "n"], [1, 0]),
    ("SELECT Country, count(*) FROM c GROUP BY 1 ORDER BY count( * ) DESC", ["Country", "count(*)"], [1]),
    ("SELECT a, b FROM t ORDER BY 2 DESC NULLS LAST", ["a", "b"], [1]),
    ('SELECT "x y" FROM t ORDER BY "x y"', ["x y"], [0]),
    ("SELECT a FROM (SELECT a FROM t ORDER BY b)", ["a"], None),
    ("SELECT a FROM t ORDER BY b", ["a"], None),
    ("SELECT a, a FROM t ORDER BY a", ["a", "a"], None),
    ("SELECT a, row_number() OVER (ORDER BY b) FROM t -- ORDER BY a", ["a", "r"], None),
])
def test_sort_keys_are_read_from_the_outermost_order_by(sql: str, columns: list[str], positions) -> None:
    assert sort_key_positions(sql, columns) == positions
    assert order_by_terms("SELECT 'ORDER BY x' FROM t") is None


def test_more_than_a_thousand_rows_are_compared_whole() -> None:
    with _episode(ALL_TRACKS) as env:
        assert len(env.final_answer()) == 3503
        assert env.check(sql_rows(ALL_TRACKS)).success, "a gold of 3503 rows passes its own replay"
        assert not env.check(sql_rows(ALL_TRACKS + " WHERE TrackId <= 1000")).success, "a superset fails"
    with _episode(ALL_TRACKS + " WHERE TrackId <> 3503") as env:
        verdict = env.check(sql_rows(ALL_TRACKS))
    assert not verdict.success and "expected 3503 rows, got 3502" in verdict.detail


def test_the_bound_applies_to_answer_and_gold_alike_and_is_reported() -> None:
    beyond = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT {ROWS_BOUND + 5}) SELECT i FROM n"
    with _episode(beyond) as env:
        assert len(env.final_answer()) == ROWS_BOUND and not env.answer.complete
        same = env.check(sql_rows(beyond))
        assert same.success and "answer and gold both cut" in same.detail
        fewer = env.check(sql_rows(beyond.replace(f"LIMIT {ROWS_BOUND + 5}", f"LIMIT {ROWS_BOUND}")))
    assert not fewer.success and "answer has more than the 100000-row bound" in fewer.detail


def test_rounding_and_the_last_successful_query_count() -> None:
    with _episode("SELECT avg(Total) FROM Invoice", "SELECT nonsense FROM nowhere") as env:
        assert env.check(RowsCheck(rows=[[5.65]])).success, "rounded to 2 places; the error is skipped"
        assert env.check(RowsCheck(rows=[[5.6519]], round=4)).success
        assert not env.check(RowsCheck(rows=[[5.65]], round=4)).success
    with _episode("SELECT 3") as env:
        assert env.check(RowsCheck(rows=[[3.0]])).success


def test_gold_sql_runs_on_a_fresh_copy_and_a_broken_one_is_a_broken_check() -> None:
    with _episode("INSERT INTO Genre (Name) VALUES ('Synthwave')", "SELECT count(*) FROM Genre") as env:
        assert env.check(RowsCheck(rows=[[26]])).success
        assert not env.check(sql_rows("SELECT count(*) FROM Genre")).success
        broken = env.check(sql_rows("SELECT nothing FROM nowhere"))
        assert not broken.success and broken.broken_check and "gold query failed" in broken.detail
        with pytest.raises(UnsupportedCheck, match="not a sqlite check"):
            env.check(OutputContains(text="x"))


def test_an_empty_gold_is_a_weakness() -> None:
    env = registry.make("sqlite-chinook-v0")
    assert "gold result is empty" in env.weakness(sql_rows("SELECT Name FROM Artist WHERE Name = 'Nobody'"))
    assert "gold result is empty" in env.weakness(RowsCheck(rows=[]))
    assert env.weakness(sql_rows("SELECT count(*) FROM Artist WHERE Name = 'Nobody'")) is None, "one row: 0"
    assert env.weakness(sql_rows("SELECT broken")) is None


def test_checks_parse_from_json_and_refuse_unknown_options() -> None:
    assert parse_check(Check, {"type": "rows", "rows": [[1]], "sort_keys": [1]}) == RowsCheck(rows=[[1]], sort_keys=[1])
    with pytest.raises(ValueError, match="order_matter"):
        parse_check(Check, {"type": "sql_rows", "gold_sql": "SELECT 1", "order_matter": True})
    with pytest.raises(ValueError, match="1-based positions"):
        parse_check(Check, {"type": "rows", "rows": [[1]], "sort_keys": ["a"]})
