"""kill -9 at random points of a run, ten times in a row, then a final run: the dataset must equal
an uninterrupted run's. Prints each kill and the comparison; `python bench/soak_kill.py [--kills N]`."""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.harness import fresh_database, offline_model, prefect_server  # noqa: E402
from tests.flows import dataset  # noqa: E402

ARGS = ["--max-docs", "2", "--instructions-per-doc", "4", "--max-steps", "3", "--max-span-steps", "2"]


def _synthesize(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _count(store: sa.Engine, table: str) -> int:
    with store.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM lbi.{table}")).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    # slow and narrow enough (about 20 s of model work) that the kills, 0.5-4 s after each run's first
    # model call, land while data is still being made
    with prefect_server(), offline_model(latency_ms=200) as model:
        from prefect.settings import PREFECT_API_URL

        base = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "LBI_MODEL_BASE_URL": model,
                "LBI_MODEL_CONCURRENCY": "3"}
        killed_url, clean_url = fresh_database(), fresh_database()
        killed = {**base, "LBI_DATABASE_URL": killed_url}
        store = sa.create_engine(killed_url)
        for number in range(1, args.kills + 1):
            calls_before = _count(store, "llm_calls")
            process = _synthesize(killed)
            while _count(store, "llm_calls") == calls_before and process.poll() is None:  # not yet calling the model
                time.sleep(0.05)
            delay = chance.uniform(0.5, 4.0)
            time.sleep(delay)
            finished = process.poll() is not None
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            counts = dataset.row_counts(store)
            note = " (the run had finished)" if finished else ""
            print(f"kill {number:>2} {delay:4.1f} s after its first model call{note}:"
                  f" trajectories {counts['trajectories']}, examples {counts['examples']}, verdicts {counts['verdicts']}")
        final = subprocess.run([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=killed, capture_output=True)
        print(f"final run: exit {final.returncode}")
        subprocess.run([sys.executable, "-m", "lbi", "synthesize", *ARGS], env={**base, "LBI_DATABASE_URL": clean_url},
                       capture_output=True, check=True)
        a, b = sa.create_engine(killed_url), sa.create_engine(clean_url)
        same = dataset.examples(a) == dataset.examples(b) and dataset.trajectories(a) == dataset.trajectories(b)
        counts_a, counts_b = dataset.row_counts(a), dataset.row_counts(b)
        same_counts = all(counts_a[t] == counts_b[t] for t in dataset.DATA_TABLES)
        print(f"same dataset as an uninterrupted run: {same}; same row counts in every table: {same_counts}")
        for table in dataset.DATA_TABLES:
            print(f"  {table:>22}: killed-and-resumed {counts_a[table]:>6}  uninterrupted {counts_b[table]:>6}")


if __name__ == "__main__":
    main()
