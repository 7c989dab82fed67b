"""Synthesis at the speed of the model: utilisation, the literal Algorithm 1, cost per example,
and the pipeline's own overhead. Prints its figures; run `python bench/throughput.py [--quick]`.

With concurrency C and model latency L no pipeline exceeds C/L calls per second,
so utilisation = achieved calls per second / (C/L), over the whole synthesize
flow run (start-up, gates and indexing included). The runs at C = 16 and 64 last
over ten seconds at full utilisation, so that a run's fixed start and end (~2-3 s)
do not decide the figure alone. The CPU each process spent per model
call shows what bounds a run on this machine: the pipeline (this process tree,
the model transport included), its Postgres server, both together ("ours"),
the offline model and the Prefect server, each counted by its own process tree. Utilisation is measured twice:
with the bundled embedder on this CPU (the default) and with embeddings from an
endpoint (the offline model's /v1/embeddings, as a hosted embedding API would be). Those runs
follow a warm-up run in the same process; the "fresh" section runs each in a new process, as
every `lbi synthesize` and deployment run is, so its one-time imports and process starts count.
"steady" is the utilisation between the run's 10th and 90th percentile of answered calls: the
rate once calls flow, apart from the run's fixed start (ingest, the first tasks) and end (the
last gates, indexing, the report). "first" is the seconds from the flow's call to its first
answer, "end" from its last answer to the flow call's return, "stored" from the flow's call to
the run's row marked finished: the body's end before its report and Prefect's end of the flow run.
The "client" section measures the model client alone (new calls through its cache,
ledger and budget, no pipeline around it): the floor under the pipeline's CPU per call.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    answer_times, cpu_between, cpu_samples, cpu_seconds, finished_at, fresh_database, ledger_by_role,
    offline_model, prefect_server, reference_loop_ms, run_synthesis, run_synthesis_fresh, steady_calls_per_second,
    steady_window,
)
from bench.naive_algorithm1 import algorithm1  # noqa: E402
from flows.params import SynthesizeParams  # noqa: E402
from lbi.envs import registry  # noqa: E402

ENV = "sqlite-chinook-v0"
LATENCY_MS = 200
WORKLOADS = {
    1: dict(max_docs=1, instructions_per_doc=2, max_steps=3),
    4: dict(max_docs=3, instructions_per_doc=3, max_steps=4),
    16: dict(max_docs=12, instructions_per_doc=3, max_steps=4),  # 874 calls: 10.9 s at C/L
    64: dict(max_docs=16, instructions_per_doc=20, max_steps=4),  # 4,373 calls: 13.7 s at C/L (every document)
}
QUICK_WORKLOADS = {1: dict(max_docs=1, instructions_per_doc=1, max_steps=3),
                   16: dict(max_docs=4, instructions_per_doc=3, max_steps=4)}
COMPARE = dict(max_docs=1, instructions_per_doc=2, max_steps=3)


def utilisation(model_url: str, concurrencies: list[int], workloads: dict[int, dict], embedder: str,
                fresh: bool = False) -> None:
    """``fresh``: each run in a new process, as `lbi synthesize` and deployments run (run_synthesis_fresh)."""
    where = "each run in a fresh process" if fresh else "in this process, after a warm-up run"
    print(f"\n## Utilisation (offline model at {LATENCY_MS} ms per call; {embedder}; {where})\n")
    print(f"{'C':>4} {'calls':>7} {'seconds':>8} {'calls/s':>8} {'C/L':>7} {'utilisation':>11} {'steady':>6}"
          f" {'first':>5} {'end':>5} {'stored':>6} | CPU ms per call: {'pipeline':>8} {'postgres':>8} {'ours':>6} {'model':>6} {'prefect':>7}"
          f" | steady: {'pipeline':>8} {'postgres':>8} {'ours':>6}")
    for c in concurrencies:
        url = fresh_database()
        with cpu_samples(model_url) as samples:
            timed = (run_synthesis_fresh if fresh else run_synthesis)(
                SynthesizeParams(env=ENV, **workloads[c]), database_url=url, model_url=model_url, concurrency=c)
        calls = timed.result["totals"]["model_calls"]
        achieved, ceiling = calls / timed.seconds, c / (LATENCY_MS / 1000)
        ends = answer_times(url, timed.result["run_id"])
        steady = steady_calls_per_second(ends) / ceiling
        window = steady_window(ends)
        steady_cpu = {group: 1000 * used / max(1, window[1] - window[0])
                      for group, used in cpu_between(samples, ends[window[0]], ends[window[1]]).items()}
        first, end = ends[0] - timed.called_at, timed.called_at + timed.seconds - ends[-1]
        stored = finished_at(url, timed.result["run_id"]) - timed.called_at
        per_call = {group: 1000 * used / max(1, calls) for group, used in timed.cpu.items()}
        print(f"{c:>4} {calls:>7} {timed.seconds:>8.1f} {achieved:>8.1f} {ceiling:>7.1f} {achieved / ceiling:>11.2f}"
              f" {steady:>6.2f} {first:>5.2f} {end:>5.2f} {stored:>6.2f}"
              f" | {'':>16} {per_call['pipeline']:>8.1f} {per_call['postgres']:>8.1f}"
              f" {per_call['pipeline'] + per_call['postgres']:>6.1f} {per_call['model']:>6.1f}"
              f" {per_call['prefect']:>7.1f} | {'':>6} {steady_cpu['pipeline']:>8.1f} {steady_cpu['postgres']:>8.1f}"
              f" {steady_cpu['pipeline'] + steady_cpu['postgres']:>6.1f}")


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


def cost(model_url: str, workload: dict) -> None:
    print("\n## Cost per accepted example (C = 16)\n")
    url = fresh_database()
    params = SynthesizeParams(env=ENV, **workload)
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
    os.environ["LBI_COMMITTEE_ASK_ALL"] = "true"  # the judges the committee did not need, asked now
    try:
        every = run_synthesis(params, database_url=url, model_url=model_url, concurrency=16).result["totals"]
    finally:
        del os.environ["LBI_COMMITTEE_ASK_ALL"]
    print(f"judges asked only while they could change the decision: asking every judge would have paid"
          f" {every['model_calls']} more calls and {every['tokens']} more tokens"
          f" (+{every['model_calls'] / max(1, totals['model_calls']):.0%} calls,"
          f" +{every['tokens'] / max(1, totals['tokens']):.0%} tokens); accepted with every judge asked:"
          f" {every['accepted']} (was {totals['accepted']})")


def overhead(model_url: str, workload: dict, profile: bool) -> None:
    print("\n## Pipeline overhead with a zero-latency model (C = 16)\n")
    url = fresh_database()
    params = SynthesizeParams(env=ENV, **workload)
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


@contextmanager
def embeddings_from(model_url: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("LBI_EMBEDDING_BASE_URL", "LBI_EMBEDDING_MODEL")}
    os.environ.update(LBI_EMBEDDING_BASE_URL=model_url, LBI_EMBEDDING_MODEL="offline-embedding")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def client_alone(model_url: str, calls: int = 1500, concurrency: int = 64) -> None:
    """CPU per new call of the model client alone, its ledger included, at C = ``concurrency``."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa

    from lbi.models.client import ClientOptions, ModelClient
    from lbi.store import runs

    engine = sa.create_engine(fresh_database(), pool_size=concurrency, max_overflow=concurrency)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO lbi.environments (id, family, description, action_language)"
                             " VALUES (:e, 'sqlite', 'bench', 'SQL')"), {"e": ENV})
        run_id = runs.create_run(conn, flow="synthesize", environment_id=ENV, params={}, max_llm_calls=None,
                                 max_tokens=None)
    client = ModelClient(engine=engine, base_url=model_url, api_key="offline", run_id=run_id,
                         options=ClientOptions(concurrency=concurrency, timeout_s=30))

    def call(number: int) -> None:
        client.complete(role="bench", model="offline-bench",
                        messages=[{"role": "user", "content": f"client alone, question {number}"}])

    try:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(call, range(-100, 0)))  # connections and threads made before measuring
            before, started = cpu_seconds(model_url), time.perf_counter()
            list(pool.map(call, range(calls)))
            seconds, after = time.perf_counter() - started, cpu_seconds(model_url)
    finally:
        client.close()
        engine.dispose()
    per_call = {group: 1000 * (after[group] - before[group]) / calls for group in after}
    print(f"\n## The model client alone ({calls} new calls, C = {concurrency}, offline model at {LATENCY_MS} ms)\n")
    print(f"utilisation {calls / seconds / (concurrency / (LATENCY_MS / 1000)):.2f} | CPU ms per call:"
          f" client {per_call['pipeline']:.2f}, postgres {per_call['postgres']:.2f},"
          f" ours {per_call['pipeline'] + per_call['postgres']:.2f}")


def warm_up(model_url: str) -> None:
    """One tiny run first, so one-time imports (GX, Prefect's engine) are not measured."""
    run_synthesis(SynthesizeParams(env=ENV, max_docs=1, instructions_per_doc=1, max_steps=1),
                  database_url=fresh_database(), model_url=model_url, concurrency=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="C = 1, 16 only; skip the literal comparison")
    parser.add_argument("--profile", action="store_true", help="profile the zero-latency run with pyinstrument")
    parser.add_argument("--no-gates", action="store_true", help="turn the quality gates off (model stages only)")
    parser.add_argument("--only", default="utilisation,fresh,client,algorithm1,cost,overhead",
                        help="comma-separated sections to run (default: all)")
    parser.add_argument("--concurrency", help="comma-separated C values for utilisation (default: all of the"
                                              " workloads')")
    parser.add_argument("--embedder", choices=["both", "bundled", "endpoint"], default="both",
                        help="which embedders the utilisation section measures")
    args = parser.parse_args()
    if args.no_gates:
        os.environ["LBI_GATE_SEVERITY"] = '{"*": "off"}'
    print(f"quality gates {'off' if args.no_gates else 'on'}; this machine now: {reference_loop_ms():.0f} ms for a"
          " fixed Python loop (lower is faster: figures of two hours compare only beside it)")
    workloads = QUICK_WORKLOADS if args.quick else WORKLOADS
    sections = set(args.only.split(","))
    with prefect_server():
        with offline_model(LATENCY_MS) as slow:
            warm_up(slow)
            if "utilisation" in sections:
                concurrencies = [int(c) for c in args.concurrency.split(",")] if args.concurrency else list(workloads)
                if args.embedder in ("both", "bundled"):
                    utilisation(slow, concurrencies, {**WORKLOADS, **workloads}, "bundled embedder on this CPU")
                if args.embedder in ("both", "endpoint"):
                    with embeddings_from(slow):
                        utilisation(slow, concurrencies, {**WORKLOADS, **workloads}, "embeddings from an endpoint")
            if "fresh" in sections:
                concurrencies = [int(c) for c in args.concurrency.split(",")] if args.concurrency else list(workloads)
                with embeddings_from(slow):
                    utilisation(slow, concurrencies, {**WORKLOADS, **workloads}, "embeddings from an endpoint",
                                fresh=True)
            if "client" in sections:
                client_alone(slow)
            if "algorithm1" in sections and not args.quick:
                against_algorithm1(slow)
            if "cost" in sections:
                cost(slow, workloads[16])
        if "overhead" in sections:
            with offline_model(0) as fast:
                overhead(fast, workloads[16], args.profile)


if __name__ == "__main__":
    main()
