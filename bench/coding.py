"""The coding environment (coding-click-v0) measured: reset time, the time of a test run in an episode (the
whole click suite, and one task's check), and episodes per minute at 1 and 4 concurrent episodes.

An episode here is one held-out task replayed: reset, the task's setup (the breaking change, committed), its
gold patch, submit() and the SWE-bench check (FAIL_TO_PASS and PASS_TO_PASS run with pytest in the sandbox).
The repository is prepared first (downloaded and built once per machine; timed when it was not cached).
Run `python bench/coding.py [--resets N] [--episodes N]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lbi.envs.coding.checks import Check  # noqa: E402
from lbi.envs.coding.layout import cache_dir  # noqa: E402
from lbi.envs.registry import make  # noqa: E402
from lbi.evaluation.params import default_task_set  # noqa: E402
from lbi.evaluation.task_set import Task, load_task_set  # noqa: E402

ENV = "coding-click-v0"


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def episode(task: Task) -> bool:
    with make(ENV) as env:
        env.reset()
        for action in [*task.setup, *task.gold_actions]:
            env.step(action)
        return env.check(task.check).success


def episodes_per_minute(tasks: list[Task], concurrency: int, count: int) -> tuple[float, int]:
    chosen = [tasks[i % len(tasks)] for i in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        passed = sum(pool.map(episode, chosen))
    return count / (time.perf_counter() - started) * 60, passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resets", type=int, default=10)
    parser.add_argument("--episodes", type=int, default=12)
    args = parser.parse_args()
    tasks = load_task_set(default_task_set(ENV), Check)
    with make(ENV) as env:
        print(f"prepare (download and build when not cached in {cache_dir()}): {timed(env.reset):.2f} s")
        resets = [timed(env.reset) for _ in range(args.resets)]
        print(f"reset: median {statistics.median(resets) * 1000:.0f} ms, max {max(resets) * 1000:.0f} ms "
              f"({args.resets} resets)")
        suite = [timed(lambda: env.step("pytest -q -p no:cacheprovider")) for _ in range(3)]
        print(f"whole test suite in an episode (pytest -q): median {statistics.median(suite):.2f} s")
        checks = []
        for task in tasks[:5]:
            env.reset()
            for action in [*task.setup, *task.gold_actions]:
                env.step(action)
            checks.append(timed(lambda: env.check(task.check)))
        print(f"one task's check (FAIL_TO_PASS + PASS_TO_PASS): median {statistics.median(checks):.2f} s, "
              f"max {max(checks):.2f} s")
    for concurrency in (1, 4):
        rate, passed = episodes_per_minute(tasks, concurrency, args.episodes)
        print(f"episodes per minute at {concurrency} concurrent: {rate:.1f} ({passed}/{args.episodes} passed)")


if __name__ == "__main__":
    main()
