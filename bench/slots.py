"""The model's slots through one synthesize run: how many calls are in flight at the model, and how busy
the machine is, every tenth of a second. Run `python bench/slots.py [--concurrency 64]`.

The offline model counts the chat requests that arrived (by role) and those it answered; their
difference is the calls in flight. A process of its own asks it, so sampling takes nothing from the
run's process. Printed per half second: the mean in flight, the machine's CPU (100 % a core), and the
requests that arrived by role; then when the slots first held 90 % of C, how long they stayed that
full, and the run's seconds. Same workload, model latency and endpoint embedder as the C = 64 run of
bench/throughput.py, after the same warm-up run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PERIOD_S = 0.1


def sample(stats_url: str) -> None:
    """Print (time, the model's counts, busy CPU seconds, all CPU seconds) as a JSON line every PERIOD_S
    until stdin closes; run as a process of its own, so sampling takes nothing from the run's process."""
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    with httpx.Client() as client:
        while not closed.is_set():
            counts = client.get(stats_url).json()
            cpu = psutil.cpu_times()
            print(json.dumps([time.time(), counts, cpu.user + cpu.system + cpu.irq + cpu.softirq, sum(cpu)]),
                  flush=True)
            closed.wait(PERIOD_S)


def in_flight(counts: dict) -> int:
    return sum(counts["roles"].values()) - counts["answered"]


def report(samples: list[tuple], started: float, seconds: float, concurrency: int) -> None:
    cores = psutil.cpu_count()
    halves: dict[int, list[tuple[int, float]]] = defaultdict(list)
    arrivals: dict[int, Counter] = defaultdict(Counter)
    full, full_seconds = [], 0.0
    for (at, counts, busy, total), (before_at, before, busy0, total0) in zip(samples[1:], samples):
        half = int((at - started) * 2)
        flying = in_flight(counts)
        halves[half].append((flying, 100 * cores * (busy - busy0) / max(total - total0, 1e-9)))
        arrivals[half].update({role: n - before["roles"].get(role, 0) for role, n in counts["roles"].items()})
        if flying >= 0.9 * concurrency:
            full.append(at - started)
            full_seconds += at - before_at
    print(f"{'s':>5} {'in flight':>9} {'CPU %':>6}  requests that arrived, by role")
    for half in sorted(halves):
        flying = sum(f for f, _ in halves[half]) / len(halves[half])
        cpu = sum(c for _, c in halves[half]) / len(halves[half])
        roles = ", ".join(f"{role} {n}" for role, n in sorted(arrivals[half].items()) if n)
        print(f"{half / 2:>5.1f} {flying:>9.1f} {cpu:>6.0f}  {roles}")
    if full:
        print(f"\nslots at 90 % of C = {concurrency} or more: first at {full[0]:.1f} s, last at {full[-1]:.1f} s,"
              f" {full_seconds:.1f} s in all; the run took {seconds:.1f} s")
    else:
        print(f"\nthe slots never held 90 % of C = {concurrency}; the run took {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=64, choices=[1, 4, 16, 64])
    parser.add_argument("--sample", metavar="STATS_URL", help=argparse.SUPPRESS)  # the sampling process
    args = parser.parse_args()
    if args.sample:
        return sample(args.sample)
    # imported here: the sampling process needs none of it, and starts at once
    from bench.harness import fresh_database, offline_model, prefect_server, run_synthesis
    from bench.throughput import ENV, LATENCY_MS, WORKLOADS, embeddings_from, warm_up
    from flows.params import SynthesizeParams

    with prefect_server(), offline_model(LATENCY_MS) as model, embeddings_from(model):
        warm_up(model)
        url = fresh_database()
        sampler = subprocess.Popen([sys.executable, __file__, "--sample", model.removesuffix("/v1") + "/stats"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = sampler.stdout.readline()  # sampling has begun
        if not first:
            raise SystemExit(f"the sampling process ended before its first sample (exit {sampler.wait()})")
        try:
            timed = run_synthesis(SynthesizeParams(env=ENV, **WORKLOADS[args.concurrency]), database_url=url,
                                  model_url=model, concurrency=args.concurrency)
        finally:
            lines, _ = sampler.communicate(timeout=30)  # closing its stdin stops it
    print(f"C = {args.concurrency}, {timed.result['totals']['model_calls']} paid calls,"
          f" offline model at {LATENCY_MS} ms, embeddings from an endpoint; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + "\n")
    report([tuple(json.loads(line)) for line in [first, *lines.splitlines()]], timed.called_at, timed.seconds,
           args.concurrency)


if __name__ == "__main__":
    main()
