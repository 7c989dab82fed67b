"""The SQLite environment on real SQLite: episodes, observations, containment."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lbi.envs.base import Limits
from lbi.envs.registry import make
from lbi.envs.sqlite.database import SHIPPED, materialize
from lbi.envs.sqlite.checks import RowsCheck
from lbi.envs.sqlite.env import SqliteEnv
from lbi.envs.sqlite.session import GRACE_S
from lbi.errors import ConfigError

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def env(cache_dir: Path, tmp_path: Path):
    environment = make("sqlite-chinook-v0", cache_dir=cache_dir, workdir=tmp_path / "work",
                       limits=Limits(action_timeout_s=2.0, max_observation_chars=600))
    environment.reset()
    yield environment
    environment.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def text(env: SqliteEnv, sql: str) -> str:
    return env.step(sql).observation.text


def test_spec_and_initial_observation(cache_dir: Path) -> None:
    env = make("sqlite-chinook-v0", cache_dir=cache_dir)
    assert env.spec.id == "sqlite-chinook-v0" and env.spec.family == "sqlite"
    assert env.spec.action_language.startswith("SQL (SQLite dialect)")
    assert {p.name for p in env.spec.docs} >= {"chinook-handbook.md", "schema-reference.md"}
    assert env.episode_path is None
    with env:
        first = env.reset()
    assert "Track (3503)" in first.text and "InvoiceLine (2240)" in first.text
    assert not first.error


def test_shipped_artifact_is_small() -> None:
    assert SHIPPED["chinook"].stat().st_size < 2_000_000


def test_reset_gives_a_fresh_private_copy(env: SqliteEnv) -> None:
    first_dir = env.episode_path.parent
    assert text(env, "DELETE FROM PlaylistTrack") == "OK, 8715 rows changed"
    assert "\n0\n" in text(env, "SELECT count(*) FROM PlaylistTrack")
    env.reset()
    assert not first_dir.exists()
    assert env.episode_path.parent != first_dir
    assert "\n8715\n" in text(env, "SELECT count(*) FROM PlaylistTrack")


def test_query_observation_is_bounded_and_counted(env: SqliteEnv) -> None:
    obs = env.step("SELECT * FROM Track").observation
    assert len(obs.text) <= 600 and obs.truncated and not obs.error
    assert obs.text.startswith("TrackId | Name | AlbumId")
    assert obs.text.endswith("3503 in all)")
    endless = env.step("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) "
                       "SELECT x FROM c").observation
    assert len(endless.text) <= 600 and "stopped counting" in endless.text


def test_query_result_and_final_answer(env: SqliteEnv) -> None:
    assert env.final_answer() is None
    assert text(env, "SELECT Name, 1.98 + 0.99, NULL FROM Genre WHERE GenreId = 1") == (
        "Name | 1.98 + 0.99 | NULL\nRock | 2.97 | NULL\n(1 row)")
    assert text(env, "UPDATE Genre SET Name = 'Rock!' WHERE GenreId = 1") == "OK, 1 row changed"
    [(name, total, nothing)] = env.final_answer()
    assert (name, round(total, 2), nothing) == ("Rock", 2.97, None)
    shown = env.step("SELECT TrackId FROM Track").observation
    assert shown.truncated and len(shown.text) <= env.limits.max_observation_chars
    assert len(env.final_answer()) == 3503 and env.answer.complete, "the answer is kept whole, apart from the view"


def test_errors_are_observations(env: SqliteEnv) -> None:
    obs = env.step("SELEC Name FROM Artist").observation
    assert obs.error and obs.text.startswith("Error: ") and "syntax error" in obs.text
    assert env.step("SELECT Nope FROM Artist").observation.text == "Error: no such column: Nope"
    assert "FOREIGN KEY" in text(env, "DELETE FROM Artist WHERE ArtistId = 1")
    assert env.step("-- nothing").observation.error
    assert env.step("/* a */ ; -- b").observation.error
    assert text(env, "REINDEX") == "OK, 0 rows changed"
    assert text(env, "SELECT char(0, 10, 65)") == "char(0, 10, 65)\n\\x00\\nA\n(1 row)"
    assert env.step("   ").observation.error
    long = env.step("SELECT 1" + " " * 10_000).observation
    assert long.error and "limit is 10000" in long.text


def test_more_than_one_statement_is_refused_before_running(env: SqliteEnv) -> None:
    obs = env.step("INSERT INTO Genre (Name) VALUES ('Polka'); SELECT 1").observation
    assert obs.error and "one SQL statement per action" in obs.text
    assert "\n25\n" in text(env, "SELECT count(*) FROM Genre")
    assert not env.step("SELECT 1; -- a trailing comment is fine").observation.error


@pytest.mark.parametrize("sql", [
    "ATTACH DATABASE '{outside}' AS other",
    "VACUUM INTO '{outside}'",
    "VACUUM",
    "SELECT load_extension('{outside}')",
])
def test_no_other_file_is_reached(env: SqliteEnv, tmp_path: Path, sql: str) -> None:
    outside = tmp_path / "outside.db"
    obs = env.step(sql.format(outside=outside)).observation
    assert obs.error and "not authorized" in obs.text
    assert not outside.exists()
    assert sorted(p.name for p in env.episode_path.parent.iterdir()) == ["chinook.sqlite"]


@pytest.mark.parametrize("sql", [
    "PRAGMA writable_schema = 1",
    "PRAGMA writable_schema",
    "SELECT * FROM pragma_writable_schema",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA journal_mode = WAL",
    "PRAGMA temp_store_directory = '/tmp'",
    "PRAGMA mmap_size = 1000000000",
    "PRAGMA hard_heap_limit = 0",
    "PRAGMA database_list",
    "DETACH DATABASE main",
])
def test_state_changing_pragmas_are_refused(env: SqliteEnv, sql: str) -> None:
    obs = env.step(sql).observation
    assert obs.error and "not authorized" in obs.text


def test_read_only_pragmas_work(env: SqliteEnv) -> None:
    assert "ArtistId" in text(env, "PRAGMA table_info(Album)")
    assert "IFK_TrackAlbumId" in text(env, "PRAGMA index_list(Track)")
    assert "Artist" in text(env, "PRAGMA foreign_key_list(Album)")
    assert "\n1\n" in text(env, "PRAGMA foreign_keys")


def test_runaway_query_times_out(env: SqliteEnv) -> None:
    start = time.monotonic()
    obs = env.step(RUNAWAY).observation
    assert time.monotonic() - start < env.limits.action_timeout_s + GRACE_S
    assert obs.error and "timed out" in obs.text
    assert not env.step("SELECT 1").observation.error


@pytest.mark.parametrize("sql", [
    "SELECT zeroblob(2000000000)",
    "SELECT randomblob(50000000)",
    "SELECT length(replace(printf('%.900000c', 'x'), 'x', 'xyz'))",
    "SELECT length(group_concat(randomblob(900000))) FROM Genre",
])
def test_huge_values_are_refused(env: SqliteEnv, sql: str) -> None:
    obs = env.step(sql).observation
    assert obs.error and "too big" in obs.text


def test_database_growth_is_bounded(env: SqliteEnv) -> None:
    obs = env.step("CREATE TABLE big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                   "SELECT x+1 FROM c LIMIT 200) SELECT randomblob(900000) AS b FROM c").observation
    assert obs.error and "full" in obs.text
    assert env.episode_path.stat().st_size < 80_000_000


def test_shipped_database_is_never_modified(env: SqliteEnv, cache_dir: Path) -> None:
    built = materialize("chinook", cache_dir)
    before = digest(built)
    env.step("DELETE FROM InvoiceLine")
    env.step("DROP TABLE InvoiceLine")
    env.step("CREATE TABLE Note (Body TEXT)")
    env.reset()
    env.step("UPDATE Track SET Name = 'x'")
    env.close()
    assert digest(built) == before
    assert sorted(p.name for p in cache_dir.iterdir()) == [built.name]


def test_users_own_database_is_never_modified(tmp_path: Path) -> None:
    own = tmp_path / "own" / "shop.db"
    own.parent.mkdir()
    with sqlite3.connect(own) as db:
        db.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO item (name) VALUES (?)", [("a",), ("b",)])
    db.close()
    before = digest(own)
    with SqliteEnv("sqlite-own-v0", database=str(own), workdir=tmp_path / "work") as env:
        assert env.spec.docs == () or all("chinook" not in p.name for p in env.spec.docs)
        assert "item (2): id, name" in env.reset().text
        assert text(env, "DELETE FROM item") == "OK, 2 rows changed"
        assert "not authorized" in text(env, f"ATTACH '{own}' AS again")
    assert digest(own) == before
    assert sorted(p.name for p in own.parent.iterdir()) == ["shop.db"]


def test_a_non_sqlite_file_is_rejected(tmp_path: Path) -> None:
    fake = tmp_path / "fake.db"
    fake.write_text("not a database")
    with pytest.raises(ConfigError):
        SqliteEnv("sqlite-own-v0", database=str(fake))
    with pytest.raises(ConfigError):
        SqliteEnv("sqlite-own-v0", database=str(tmp_path / "missing.db"))


def test_close_releases_the_episode_and_is_idempotent(cache_dir: Path, tmp_path: Path) -> None:
    env = SqliteEnv("sqlite-chinook-v0", cache_dir=cache_dir, workdir=tmp_path)
    env.reset()
    episode = env.episode_path.parent
    env.close()
    env.close()
    assert not episode.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        env.step("SELECT 1")


def test_step_from_another_thread(env: SqliteEnv) -> None:
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        obs=env.step("SELECT count(*) FROM Artist").observation))
    worker.start()
    worker.join()
    assert "\n275\n" in result["obs"].text


def test_concurrent_materialize_agrees(tmp_path: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        paths = set(pool.map(lambda _: materialize("chinook", tmp_path), range(4)))
    assert len(paths) == 1
    assert [p.name for p in tmp_path.iterdir()] == [paths.pop().name]


def test_users_wal_database_is_read_whole_and_left_alone(tmp_path: Path) -> None:
    own = tmp_path / "wal.db"
    writer = sqlite3.connect(own, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("CREATE TABLE t (x)")
        writer.execute("INSERT INTO t VALUES (1), (2), (3)")
        before = {p.name: digest(p) for p in tmp_path.iterdir()}
        with SqliteEnv("sqlite-own-v0", database=str(own), workdir=tmp_path / "work") as env:
            assert "t (3): x" in env.reset().text
            env.step("INSERT INTO t VALUES (4)")
        assert {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()} == before
    finally:
        writer.close()


@pytest.mark.parametrize("sql", [
    "SELECT printf('%.*c', 2147483647, 'x')",
    "SELECT instr(replace(zeroblob(900000), x'00', 'a'), replace(zeroblob(400000), x'00', 'a') || 'b')",
])
def test_a_statement_deaf_to_the_deadline_is_killed_with_its_session(env: SqliteEnv, sql: str) -> None:
    assert text(env, "CREATE TABLE kept (x)") == "OK, 0 rows changed"
    assert text(env, "CREATE TEMP TABLE lost (x)") == "OK, 0 rows changed"
    start = time.monotonic()
    obs = env.step(sql).observation
    assert time.monotonic() - start < env.limits.action_timeout_s + GRACE_S + 0.5
    assert obs.error and f"timed out after {env.limits.action_timeout_s:g} s" in obs.text and "restarted" in obs.text
    assert text(env, "SELECT * FROM lost") == "Error: no such table: lost", "the observation said so"
    assert text(env, "SELECT count(*) FROM kept") == "count(*)\n0\n(1 row)", "committed changes stay"


def test_what_an_episode_keeps_of_an_answer_is_bounded_in_bytes(env: SqliteEnv) -> None:
    row = ", ".join(f"randomblob(900000) AS c{i}" for i in range(30))  # one row of 27 MB
    obs = env.step(f"SELECT {row}").observation
    assert not obs.error and "(1 row)" in obs.text
    assert env.answer.rows == [] and not env.answer.complete and env.answer.cut.startswith("16 MB bound")
    verdict = env.check(RowsCheck(rows=[[1]]))
    assert not verdict.success and "answer has more than the 16 MB bound" in verdict.detail


def test_the_first_observation_follows_a_database_changed_between_episodes(tmp_path: Path) -> None:
    source = tmp_path / "shop.db"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE orders (id)")
    env = SqliteEnv("sqlite-shop-v0", database=str(source), workdir=tmp_path / "work")
    try:
        assert "orders (0): id" in env.reset().text
        assert "orders (0): id" in env.reset().text
        with sqlite3.connect(source) as conn:
            conn.execute("CREATE TABLE refunds (id, amount)")
            conn.execute("INSERT INTO orders VALUES (1)")
        shown = env.reset().text
        assert "orders (1): id" in shown and "refunds (0): id, amount" in shown
    finally:
        env.close()
