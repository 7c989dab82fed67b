"""The web environment's costs on web-trac-v0: reset time, step time, episodes per minute with 1 and 4
episodes at once, and memory per episode (PSS of its tracd and Chromium processes). Prints figures.

An episode is what a held-out task's replay does: reset, the gold actions (a ticket created through the
form: 6 actions), the check, close.

    .venv/bin/python bench/web.py [--episodes 3] [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

from lbi.envs import registry
from lbi.envs.web.checks import Check
from lbi.evaluation.params import default_task_set
from lbi.evaluation.task_set import load_task_set

ENV_ID = "web-trac-v0"


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


def episode_memory_mb(episode_dir: str) -> float:
    """PSS of every process whose command line names the episode's directory (tracd, the browser), plus the
    browser's children (renderers, GPU and utility processes)."""
    marker = episode_dir.encode()
    parents: dict[int, int] = {}
    named = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if marker in cmdline.read():
                    named.add(pid)
            with open(f"/proc/{pid}/stat") as stat:
                parents[pid] = int(stat.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    members = set(named)
    for pid, parent in parents.items():
        seen, current = 0, parent
        while current > 1 and seen < 6:
            if current in named:
                members.add(pid)
                break
            current, seen = parents.get(current, 0), seen + 1
    return sum(pss_kb(pid) for pid in members) / 1024


def run_episode(env, task) -> None:
    env.reset()
    for action in task.gold_actions:
        env.step(action)
    assert env.check(task.check).success


def reset_and_step_times(steps: int) -> None:
    tasks = load_task_set(default_task_set(ENV_ID), Check)
    with registry.make(ENV_ID) as env:
        env.reset()  # the first one builds the site (once per cache) and starts the driver
        resets = []
        for _ in range(5):
            started = time.monotonic()
            env.reset()
            resets.append(time.monotonic() - started)
        memory = episode_memory_mb(str(env.state_path.parent))
        timings: dict[str, list[float]] = {}
        for task in tasks[:steps]:
            env.reset()
            for action in task.gold_actions:
                started = time.monotonic()
                env.step(action)
                timings.setdefault(action.split("(")[0], []).append(time.monotonic() - started)
    print(f"reset: median {statistics.median(resets):.2f} s, min {min(resets):.2f} s (5 resets)")
    for verb, values in sorted(timings.items()):
        print(f"step {verb:7s}: median {statistics.median(values):.2f} s over {len(values)} steps")
    print(f"memory per episode: {memory:.0f} MB PSS (tracd + Chromium and its children)")


def throughput(concurrency: int, episodes: int) -> None:
    task = next(t for t in load_task_set(default_task_set(ENV_ID), Check) if t.check.type == "ticket"
                and len(t.gold_actions) == 6)
    envs = [registry.make(ENV_ID) for _ in range(concurrency)]
    for env in envs:
        env.reset()

    def worker(env) -> None:
        for _ in range(episodes):
            run_episode(env, task)

    threads = [threading.Thread(target=worker, args=(env,)) for env in envs]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for env in envs:
        env.close()
    total = concurrency * episodes
    print(f"concurrency {concurrency}: {total} episodes in {elapsed:.1f} s = {total / elapsed * 60:.1f} episodes/min "
          f"({len(task.gold_actions)} actions each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=3, help="episodes per concurrent worker")
    parser.add_argument("--steps", type=int, default=20, help="tasks whose gold actions are timed")
    args = parser.parse_args()
    os.environ.setdefault("LBI_WEB_SCREENSHOTS", "1")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    reset_and_step_times(args.steps)
    for concurrency in (1, 4):
        throughput(concurrency, args.episodes)


if __name__ == "__main__":
    main()
