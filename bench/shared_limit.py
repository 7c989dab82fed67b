"""What the shared model-call limit costs: the same calls with no limit, with a Prefect lease
taken and released around every call (as before), and with slots leased in blocks per process
(lbi.models.leased_slots). Prints calls per second and the ratio against no limit, in one run;
run `python bench/shared_limit.py [--calls N] [--concurrency C] [--rounds R]`.

The limit is as large as the client's concurrency, so it is never full: anything below
no limit's rate is what taking the limit's slots costs. Every call is a new request (no
cache hit), through the model client with its ledger, against the offline model in its
own process at a fixed latency.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.harness import fresh_database, offline_model, prefect_server  # noqa: E402
from lbi.models.client import ClientOptions, ModelClient  # noqa: E402

LIMIT = "bench-model-calls"
LATENCY_MS = 200
MODES = ("none", "lease per call", "leased blocks")


def calls_per_second(mode: str, *, engine: sa.Engine, model_url: str, calls: int, concurrency: int,
                     round_no: int) -> float:
    from prefect.concurrency.sync import concurrency as prefect_concurrency

    options = ClientOptions(concurrency=concurrency, timeout_s=30,
                            global_limit_name=LIMIT if mode == "leased blocks" else None)
    client = ModelClient(engine=engine, base_url=model_url, api_key="offline", run_id=None, options=options)

    def call(i: int) -> None:
        per_call = prefect_concurrency(LIMIT, occupy=1, strict=True) if mode == "lease per call" else nullcontext()
        with per_call:
            client.complete(role="bench", model="offline-bench",
                            messages=[{"role": "user", "content": f"{mode} round {round_no} question {i}"}])

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(call, range(calls)))
        return calls / (time.perf_counter() - started)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=800)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="each mode measured this many times, interleaved")
    args = parser.parse_args()
    with prefect_server(), offline_model(LATENCY_MS) as model_url:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as prefect:
            prefect.upsert_global_concurrency_limit_by_name(LIMIT, args.concurrency)
        engine = sa.create_engine(fresh_database())
        rates: dict[str, list[float]] = {mode: [] for mode in MODES}
        for round_no in range(args.rounds):
            for mode in MODES:
                rates[mode].append(calls_per_second(mode, engine=engine, model_url=model_url, calls=args.calls,
                                                    concurrency=args.concurrency, round_no=round_no))
        engine.dispose()
    ceiling = args.concurrency / (LATENCY_MS / 1000)
    none = statistics.median(rates["none"])
    print(f"\n## Shared model-call limit ({args.calls} calls, C = {args.concurrency}, offline model at {LATENCY_MS} ms,"
          f" limit of {args.concurrency} never full; median of {args.rounds} interleaved rounds)\n")
    print(f"{'limit':>16} {'calls/s':>8} {'C/L':>6} {'vs none':>8}   each round")
    for mode in MODES:
        rate = statistics.median(rates[mode])
        print(f"{mode:>16} {rate:>8.1f} {ceiling:>6.0f} {rate / none:>8.2f}   "
              + " ".join(f"{r:.1f}" for r in rates[mode]))
    blocks = statistics.median(rates["leased blocks"]) / none
    print(f"\nleased blocks cost {1 - blocks:.1%} against no limit (target < 10%)")


if __name__ == "__main__":
    main()
