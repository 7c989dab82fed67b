"""What one SQL episode costs: `sqlite-chinook-v0` made, reset, one statement, closed, one after another.
Prints the wall time and the CPU of this process and of the SQL workers (the zygote's tree, ended
workers included) per episode. Run `python bench/episodes.py [--episodes N]`.

A synthesize run at C = 64 of bench/throughput.py has ~214 such episodes (one per task, and the first
observation), most of them in its first four seconds, when the two cores are its bound.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.process_cpu import cpu_by_group  # noqa: E402
from lbi.envs import registry  # noqa: E402
from lbi.envs.sqlite import worker_process  # noqa: E402

ENV = "sqlite-chinook-v0"
REAPED_WITHIN_S = 1.2  # the zygote reaps its ended workers every second (their CPU then counts)


def episode() -> None:
    env = registry.make(ENV)
    try:
        env.reset()
        env.step("SELECT count(*) FROM Track")
    finally:
        env.close()


def this_process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    episode()  # the zygote starts, the database is built and copied once
    zygote = {"workers": worker_process._zygote._process.pid}
    print(f"{'round':>5} {'episodes':>8} {'wall ms':>8} | CPU ms an episode: {'this process':>12} {'SQL workers':>11}")
    for number in range(1, args.rounds + 1):
        before, workers_before, started = this_process_cpu(), cpu_by_group(zygote)["workers"], time.perf_counter()
        for _ in range(args.episodes):
            episode()
        wall = time.perf_counter() - started
        mine = this_process_cpu() - before
        time.sleep(REAPED_WITHIN_S)
        workers = cpu_by_group(zygote)["workers"] - workers_before
        print(f"{number:>5} {args.episodes:>8} {1000 * wall / args.episodes:>8.2f} |"
              f" {'':>18} {1000 * mine / args.episodes:>12.2f} {1000 * workers / args.episodes:>11.2f}")
    worker_process.release_zygote()


if __name__ == "__main__":
    main()
