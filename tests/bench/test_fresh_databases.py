"""The benchmarks' databases (bench.harness.fresh_database) on a real embedded server of their own: a
benchmark's databases go when it exits, and those of one that was killed go at the next one's start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lbi.store import embedded

REPO = Path(__file__).resolve().parents[2]
MAKE = ("import os, signal, sqlalchemy\n"
        "from bench.harness import fresh_database\n"
        "for _ in range({count}): print(sqlalchemy.make_url(fresh_database()).database, flush=True)\n"
        "if {killed}: os.kill(os.getpid(), signal.SIGKILL)\n")


@pytest.fixture
def bench_home(tmp_path: Path):
    yield tmp_path
    embedded.stop(tmp_path / "pgdata")


def _benchmark(home: Path, *, count: int, killed: bool = False) -> list[str]:
    """The databases a benchmark process made (``killed``: it was killed with SIGKILL after making them)."""
    done = subprocess.run([sys.executable, "-c", MAKE.format(count=count, killed=killed)], cwd=REPO,
                          env={**os.environ, "LBI_BENCH_HOME": str(home)}, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == (-9 if killed else 0), done.stderr
    return done.stdout.split()


def _databases(home: Path) -> set[str]:
    info = embedded.running_info((home / "pgdata").resolve())
    with embedded.admin_connection(info) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench%'")}


def test_a_benchmark_s_databases_go_when_it_exits_and_a_killed_one_s_at_the_next_start(bench_home: Path) -> None:
    made = _benchmark(bench_home, count=2)
    assert len(set(made)) == 2 and _databases(bench_home) == set(), "an ended benchmark left its databases"

    left = _benchmark(bench_home, count=1, killed=True)
    assert _databases(bench_home) == set(left), "a killed benchmark cannot drop its own"

    _benchmark(bench_home, count=1)
    assert _databases(bench_home) == set(), "the next benchmark did not drop what the killed one left"
