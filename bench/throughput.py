"""Synthesis at the speed of the model: utilisation, the literal Algorithm 1, cost per example,
and the pipeline's own overhead. Prints its figures; run `python bench/throughput.py [--quick]`.

With concurrency C and model latency L no pipeline exceeds C/L calls per second,
so utilisation = achieved calls per second / (C/L).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    fresh_database, ledger_by_role, offline_model, prefect_server, run_synthesis,
)
from bench.naive_algorithm1 import algorithm1  # noqa: E402
from flows.params import SynthesizeParams  # noqa: E402
from lbi.envs import registry  # noqa: E402

ENV = "sqlite-chinook-v0"
LATENCY_MS = 200
WORKLOADS = {
    1: dict(max_docs=1, instructions_per_doc=1, max_steps=3),
    4: dict(max_docs=1, instructions_per_doc=3, max_steps=4),
    16: dict(max_docs=12, instructions_per_doc=3, max_steps=4),
    64: dict(max_docs=16, instructions_per_doc=8, max_steps=4),
}
COMPARE = dict(max_docs=1, instructions_per_doc=2, max_steps=3)


def utilisation(model_url: str, concurrencies: list[int]) -> None:
    print(f"\n## Utilisation (offline model at {LATENCY_MS} ms per call)\n")
    print(f"{'C':>4} {'calls':>7} {'seconds':>8} {'calls/s':>8} {'C/L':>7} {'utilisation':>11}")
    for c in concurrencies:
        url = fresh_database()
        timed = run_synthesis(SynthesizeParams(env=ENV, **WORKLOADS[c]), database_url=url, model_url=model_url,
                              concurrency=c)
        calls = timed.result["totals"]["model_calls"]
        achieved, ceiling = calls / timed.seconds, c / (LATENCY_MS / 1000)
        print(f"{c:>4} {calls:>7} {timed.seconds:>8.1f} {achieved:>8.1f} {ceiling:>7.1f} {achieved / ceiling:>11.2f}")


def against_algorithm1(model_url: str) -> None:
    print("\n## Against Algorithm 1 taken literally (same workload, same model)\n")
    url = fresh_database()
    ours = run_synthesis(SynthesizeParams(env=ENV, **COMPARE), database_url=url, model_url=model_url, concurrency=16)
    import time

    started = time.perf_counter()
    spec = registry.spec(ENV)
    naive = algorithm1(base_url=model_url, env_id=ENV, docs=list(spec.docs), max_docs=COMPARE["max_docs"],
                       n=COMPARE["instructions_per_doc"], max_steps=COMPARE["max_steps"],
                       committee=["offline-judge-a", "offline-judge-b"])
    naive_seconds = time.perf_counter() - started
    totals = ours.result["totals"]
    print(f"{'':>12} {'seconds':>8} {'calls':>7} {'examples':>8} {'accepted':>8}")
    print(f"{'pipeline':>12} {ours.seconds:>8.1f} {totals['model_calls']:>7} {totals['examples']:>8} {totals['accepted']:>8}")
    print(f"{'literal':>12} {naive_seconds:>8.1f} {naive.calls:>7} {naive.examples:>8} {naive.accepted:>8}")
    print(f"wall time ratio literal/pipeline: {naive_seconds / ours.seconds:.1f}x;"
          f" calls ratio literal/pipeline: {naive.calls / max(1, totals['model_calls']):.2f}x")


def cost(model_url: str) -> None:
    print("\n## Cost per accepted example (C = 16)\n")
    url = fresh_database()
    params = SynthesizeParams(env=ENV, **WORKLOADS[16])
    first = run_synthesis(params, database_url=url, model_url=model_url, concurrency=16)
    totals = first.result["totals"]
    accepted = max(1, totals["accepted"])
    print(f"accepted {totals['accepted']} of {totals['examples']} examples; keep rate {totals['keep_rate']}")
    print(f"{'stage':>16} {'calls':>7} {'tokens':>9} {'calls/acc':>9} {'tokens/acc':>10}")
    for role, row in ledger_by_role(url).items():
        print(f"{role:>16} {row['calls']:>7} {row['tokens']:>9} {row['calls'] / accepted:>9.2f}"
              f" {row['tokens'] / accepted:>10.0f}")
    print(f"{'all':>16} {totals['model_calls']:>7} {totals['tokens']:>9} {totals['model_calls'] / accepted:>9.2f}"
          f" {totals['tokens'] / accepted:>10.0f}")
    labels_paid = sum(r["calls"] for role, r in ledger_by_role(url).items() if role.startswith("label_"))
    labels_asked = totals["examples"] + totals["failed_generations"]
    print(f"span labels: {labels_asked} spans labeled, {labels_paid} paid: identical spans reused"
          f" {labels_asked - labels_paid} labels ({(labels_asked - labels_paid) / max(1, labels_asked):.0%})")
    second = run_synthesis(params, database_url=url, model_url=model_url, concurrency=16)
    print(f"second run on the same inputs: {second.result['totals']['model_calls']} model calls,"
          f" {second.seconds:.1f} s")


def overhead(model_url: str, profile: bool) -> None:
    print("\n## Pipeline overhead with a zero-latency model (C = 16)\n")
    url = fresh_database()
    params = SynthesizeParams(env=ENV, **WORKLOADS[16])
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        profiler.start()
    timed = run_synthesis(params, database_url=url, model_url=model_url, concurrency=16)
    totals = timed.result["totals"]
    print(f"{totals['examples']} examples, {totals['model_calls']} calls in {timed.seconds:.1f} s:"
          f" {totals['examples'] / timed.seconds:.1f} examples/s, {totals['model_calls'] / timed.seconds:.1f} calls/s")
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])


def warm_up(model_url: str) -> None:
    """One tiny run first, so one-time imports (GX, Prefect's engine) are not measured."""
    run_synthesis(SynthesizeParams(env=ENV, max_docs=1, instructions_per_doc=1, max_steps=1),
                  database_url=fresh_database(), model_url=model_url, concurrency=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="C = 1, 16 only; skip the literal comparison")
    parser.add_argument("--profile", action="store_true", help="profile the zero-latency run with pyinstrument")
    parser.add_argument("--no-gates", action="store_true", help="turn the quality gates off (model stages only)")
    args = parser.parse_args()
    if args.no_gates:
        os.environ["LBI_GATE_SEVERITY"] = '{"*": "off"}'
    print(f"quality gates {'off' if args.no_gates else 'on'}")
    with prefect_server():
        with offline_model(LATENCY_MS) as slow:
            warm_up(slow)
            utilisation(slow, [1, 16] if args.quick else [1, 4, 16, 64])
            if not args.quick:
                against_algorithm1(slow)
            cost(slow)
        with offline_model(0) as fast:
            overhead(fast, args.profile)


if __name__ == "__main__":
    main()
