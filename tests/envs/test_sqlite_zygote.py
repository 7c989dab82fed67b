"""SQL workers are forked by a zygote process: a dead zygote is replaced, and nothing outlives the
process that started it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from lbi.envs.sqlite import worker_process
from lbi.envs.sqlite.session import SqlSession


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (7)")
    return path


def _select(session: SqlSession) -> str:
    return session.request(5, op="run", sql="SELECT x FROM t", max_chars=1000)["text"]


def test_a_killed_zygote_is_started_again(tmp_path: Path) -> None:
    database = _database(tmp_path)
    first = SqlSession(database)
    try:
        assert "7" in _select(first)
        zygote = worker_process._zygote._process
        os.kill(zygote.pid, signal.SIGKILL)
        zygote.wait()
        second = SqlSession(database)
        try:
            assert "7" in _select(second)
            assert worker_process._zygote._process.pid != zygote.pid
        finally:
            second.close()
        assert "7" in _select(first), "a running worker does not need its zygote"
    finally:
        first.close()


def test_the_zygote_and_its_workers_end_with_the_process_that_started_them(tmp_path: Path) -> None:
    database = _database(tmp_path)
    script = textwrap.dedent(f"""
        import sys, time
        from lbi.envs.sqlite.session import SqlSession
        sessions = [SqlSession({str(database)!r}) for _ in range(3)]
        print("ready", flush=True)
        time.sleep(60)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready"
        zygotes = psutil.Process(owner.pid).children()
        assert len(zygotes) == 1 and "lbi.envs.sqlite.zygote" in " ".join(zygotes[0].cmdline())
        workers = zygotes[0].children()
        assert len(workers) == 3
    finally:
        owner.kill()
        owner.wait()
    gone, alive = psutil.wait_procs([*zygotes, *workers], timeout=5)
    assert not alive, f"left running: {[p.pid for p in alive]}"


def test_a_released_zygote_stops_once_its_last_worker_has_ended(tmp_path: Path) -> None:
    database = _database(tmp_path)
    session = SqlSession(database)
    zygote = worker_process._zygote._process
    worker_process.release_zygote()  # a run ended while another's episode is open
    assert zygote.poll() is None, "a zygote with a live worker keeps running"
    assert "7" in _select(session)
    session.close()
    assert zygote.wait(5) is not None and worker_process._zygote._process is None
    later = SqlSession(database)
    try:
        assert "7" in _select(later), "the next episode starts a new zygote"
    finally:
        later.close()
