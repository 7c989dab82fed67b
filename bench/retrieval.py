"""Retrieval at 100,000 examples: hybrid top-10 latency (p50, p99) and the recall@10 of its dense side
against exact search (mean, and the worst query's), over several passes, on a database of its own.

The corpus (examples, index, and the queries with their vectors) is built once and kept on the
benchmarks' server in a database named after its size; later runs measure it again without embedding
or loading anything (`--rebuild` makes it anew, as a change to the schema or the corpus needs).
Run `python bench/retrieval.py [--examples N] [--passes P]`.

Targets on this 2-core machine, in every pass: p99 under 30 ms, worst-query recall@10 at least 0.5,
mean recall@10 at least 0.95. The passes follow a warm-up that asks every query once and is printed
apart: on a server the benchmark has just started, that is when the index is read from disk
(its first pass measured 44 ms at p99 where the next two measured 21 and 23).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from pgvector import Vector  # noqa: E402
from pgvector.psycopg import register_vector  # noqa: E402

from bench import retrieval_corpus as corpus  # noqa: E402
from bench.harness import fresh_database, server_connection, server_info  # noqa: E402
from lbi.config import Settings  # noqa: E402
from lbi.retrieval.embedders import BundledEmbedder  # noqa: E402
from lbi.retrieval.queries import EXAMPLES  # noqa: E402
from lbi.retrieval.search import (CANDIDATES, configure_search, hybrid_search, hybrid_statement,  # noqa: E402
                                  observation_search)
from lbi.retrieval.store import count_words  # noqa: E402
from lbi.store import embedded  # noqa: E402

ENV, OTHER = "bench-target-v0", "bench-other-v0"
K = 10
INSTRUCTION_IDS = 10_000_000  # explicit ids above the few the server hands out
DISTINCT_QUERIES = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100_000, help="examples in the searched environment")
    parser.add_argument("--others", type=int, default=20_000, help="examples in another environment")
    parser.add_argument("--bases", type=int, default=6000, help="distinct tasks embedded for real")
    parser.add_argument("--queries", type=int, default=500, help="timed searches per pass (over the 200 queries)")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--ef-search", type=int, default=Settings.model_fields["hnsw_ef_search"].default)
    parser.add_argument("--rebuild", action="store_true", help="build the corpus again even if it is kept")
    args = parser.parse_args()
    embedder = BundledEmbedder()
    name = f"retrieval_{args.examples}_{args.others}_{args.bases}"
    if args.rebuild or not database_exists(name):
        build(name, args, embedder)
    else:
        print(f"measuring the kept corpus {name} (--rebuild makes it anew)")
    engine = sa.create_engine(database_url(name))
    dsn = engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg", "postgresql")
    target = stored_vectors(dsn)
    distinct = stored_queries(dsn)
    queries = [distinct[i % len(distinct)] for i in range(args.queries)]

    with engine.connect() as conn:
        report_plan(conn, distinct[0][1], embedder.name, args.ef_search)

        def search(text: str, vector: np.ndarray) -> object:
            return hybrid_search(conn, environment_id=ENV, embedder=embedder.name, text=text, vector=vector, k=K,
                                 ef_search=args.ef_search)

        warm = latencies(conn, distinct, search)
        print(f"warm-up, every query once (not a pass: a server just started reads its index from disk here):"
              f" p50 {np.percentile(warm, 50):.2f} ms, p99 {np.percentile(warm, 99):.2f} ms; {load_average()}",
              flush=True)
        for number in range(1, args.passes + 1):
            timings = latencies(conn, queries, search)
            p50, p99 = np.percentile(timings, [50, 99])
            slowest = ", ".join(f"{t:.1f}" for t in sorted(timings)[:-6:-1])
            mean, worst, missed = recall(conn, target, distinct, embedder.name, args.ef_search)
            print(f"pass {number}: hybrid top-10 (query vector given) p50 {p50:.2f} ms, p99 {p99:.2f} ms over "
                  f"{len(queries)} searches (the slowest five {slowest} ms); dense recall@{K} mean {mean:.4f}, "
                  f"worst query {worst:.1f} ({missed} of {len(distinct)} queries below 0.5); {load_average()}",
                  flush=True)
        median, p90, p99 = server_time(conn, distinct, embedder.name, args.ef_search)
        print(f"hybrid top-10, server execution (EXPLAIN ANALYZE, {len(distinct)} queries): median {median:.2f} ms, "
              f"p90 {p90:.2f} ms, p99 {p99:.2f} ms; {load_average()}", flush=True)
        p50, p99 = latency(conn, distinct, lambda text, vector: hybrid_search(
            conn, environment_id=ENV, embedder=embedder.name, text=text, vector=embedder.embed([text])[0], k=K,
            ef_search=args.ef_search))
        print(f"hybrid top-10 (embedding the query too): p50 {p50:.2f} ms, p99 {p99:.2f} ms; {load_average()}")
        observations = [f"Name | Milliseconds\n{text}\n{1000 + i}\n(1 row)" for i, (text, _) in enumerate(distinct)]
        p50, p99 = latency(conn, [(o, None) for o in observations], lambda text, _: observation_search(
            conn, environment_id=ENV, observation=text, k=5))
        print(f"observation-based top-5 (full text): p50 {p50:.2f} ms, p99 {p99:.2f} ms; {load_average()}")
    engine.dispose()


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def database_url(name: str) -> str:
    return embedded.url_for(server_info(), name)


def database_exists(name: str) -> bool:
    with server_connection() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def build(name: str, args: argparse.Namespace, embedder: BundledEmbedder) -> None:
    """Embed, load and index the corpus in a fresh database, then rename it to ``name`` (so a kept
    corpus is always a whole one)."""
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    everything = corpus.bases(args.bases + DISTINCT_QUERIES, rng)
    base_items, query_items = everything[:args.bases], everything[args.bases:]
    vectors = embedder.embed([b.text for b in everything])
    base_vectors, query_vectors = vectors[:len(base_items)], vectors[len(base_items):]
    print(f"embedded {len(base_items)} bases and {len(query_items)} queries in {time.perf_counter() - started:.1f} s")

    engine = sa.create_engine(fresh_database())
    dsn = engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg", "postgresql")
    load(dsn, ENV, args.examples, base_items, base_vectors, rng, first_id=1, embedder=embedder.name)
    load(dsn, OTHER, args.others, base_items, base_vectors, rng, first_id=args.examples + 1, embedder=embedder.name)
    started = time.perf_counter()
    with engine.begin() as conn:
        count_words(conn, example_ids=list(range(1, args.examples + args.others + 1)))
    print(f"counted document frequencies in {time.perf_counter() - started:.1f} s")
    build_index(dsn)
    store_queries(dsn, query_items, query_vectors)
    temporary = engine.url.database
    engine.dispose()
    with server_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'ALTER DATABASE "{temporary}" RENAME TO "{name}"')
    print(f"kept the corpus as database {name}")


def store_queries(dsn: str, items: list[corpus.Base], vectors: np.ndarray) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("CREATE TABLE bench_queries (n integer PRIMARY KEY, text text NOT NULL,"
                     " embedding vector NOT NULL)")
        with conn.cursor().copy("COPY bench_queries (n, text, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "text", "vector"])
            for n, (item, vector) in enumerate(zip(items, vectors)):
                copy.write_row((n, item.text, Vector(vector)))


def stored_queries(dsn: str) -> list[tuple[str, np.ndarray]]:
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        rows = conn.execute("SELECT text, embedding FROM bench_queries ORDER BY n").fetchall()
    return [(text, vector.to_numpy().astype(np.float32)) for text, vector in rows]


def stored_vectors(dsn: str) -> np.ndarray:
    """The searched environment's vectors, in example id order (ids start at 1)."""
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        rows = conn.execute("SELECT embedding FROM lbi.embeddings WHERE environment_id = %s ORDER BY example_id",
                            (ENV,)).fetchall()
    return np.stack([row[0].to_numpy() for row in rows]).astype(np.float32)


def load(dsn: str, env: str, n: int, items: list[corpus.Base], base_vectors: np.ndarray, rng: np.random.Generator,
         *, first_id: int, embedder: str) -> None:
    """Examples (with their instructions, a trajectory, documents and embeddings) by COPY."""
    started = time.perf_counter()
    picked, vectors = corpus.examples(n, base_vectors, rng)
    with psycopg.connect(dsn, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_index (definition text)")
        conn.execute("INSERT INTO lbi.environments (id, family, description, action_language) "
                     "VALUES (%s, 'bench', 'benchmark corpus', 'SQL') ON CONFLICT DO NOTHING", (env,))
        task_id = conn.execute("INSERT INTO lbi.instructions (environment_id, origin, text, text_hash) "
                               "VALUES (%s, 'self_instruct', 'bench', %s) RETURNING id", (env, env)).fetchone()[0]
        trajectory_id = conn.execute(
            "INSERT INTO lbi.trajectories (instruction_id, environment_id, actor_model, status, initial_observation,"
            " n_steps) VALUES (%s, %s, 'bench', 'completed', '', 0) RETURNING id", (task_id, env)).fetchone()[0]
        ids = range(first_id, first_id + n)
        with conn.cursor().copy("COPY lbi.instructions (id, environment_id, origin, text, text_hash, trajectory_id)"
                                " FROM STDIN") as copy:
            for i, a in zip(ids, picked):
                copy.write_row((INSTRUCTION_IDS + i, env, "backward", items[a].text, f"h{i}", trajectory_id))
        with conn.cursor().copy("COPY lbi.examples (id, trajectory_id, start_step, end_step, kind, instruction_id,"
                                " status) FROM STDIN") as copy:
            for i in ids:
                copy.write_row((i, trajectory_id, i, i, "task", INSTRUCTION_IDS + i, "accepted"))
        conn.execute("CREATE TEMP TABLE staged (example_id bigint, instruction text, actions text, observations text)")
        with conn.cursor().copy("COPY staged FROM STDIN") as copy:
            for i, a in zip(ids, picked):
                copy.write_row((i, items[a].text, items[a].sql, f"{items[a].text}\n{items[a].sql}"))
        conn.execute("INSERT INTO lbi.example_documents (example_id, environment_id, instruction, actions, reference,"
                     " observation_tsv) SELECT example_id, %s, instruction, actions, instruction || E'\\n' || actions,"
                     " to_tsvector('english', observations) FROM staged", (env,))
        definition = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'embeddings_hnsw'").fetchone()
        if definition:  # built once, after the load, as the migration defines it
            conn.execute("INSERT INTO bench_index (definition) VALUES (%s)", definition)
            conn.execute("DROP INDEX lbi.embeddings_hnsw")
        with conn.cursor().copy("COPY lbi.embeddings (example_id, embedder, environment_id, embedding)"
                                " FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text", "text", "vector"])
            for i, vector in zip(ids, vectors):
                copy.write_row((i, embedder, env, Vector(vector)))
    print(f"loaded {n:,} examples into {env} in {time.perf_counter() - started:.1f} s")


def build_index(dsn: str) -> None:
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")
        definition = conn.execute("SELECT definition FROM bench_index").fetchone()[0]
        conn.execute(definition)
        conn.execute("VACUUM ANALYZE lbi.embeddings")
        conn.execute("VACUUM ANALYZE lbi.example_documents")
    print(f"built the HNSW index in {time.perf_counter() - started:.1f} s: {definition.split(' USING ')[1]}")


def report_plan(conn: sa.Connection, vector: np.ndarray, embedder: str, ef_search: int) -> None:
    from lbi.retrieval.store import vector_param

    with conn.begin():
        configure_search(conn, ef_search)
        plan = conn.execute(sa.text(
            "EXPLAIN SELECT example_id FROM lbi.embeddings WHERE environment_id = :env AND embedder = :e "
            "ORDER BY embedding <=> CAST(:v AS vector) LIMIT 40"),
            {"env": ENV, "e": embedder, "v": vector_param(conn, vector)}).scalars().all()
    print("dense side uses:", next((line.strip() for line in plan if "Index" in line or "Scan" in line), plan[0]))


def latency(conn: sa.Connection, queries: list, run) -> tuple[float, float]:
    """(p50, p99) in ms of ``latencies``."""
    p50, p99 = np.percentile(latencies(conn, queries, run), [50, 99])
    return float(p50), float(p99)


def latencies(conn: sa.Connection, queries: list, run) -> list[float]:
    """The wall time in ms of ``run`` over each of ``queries``, each in its own transaction, after 20 to warm up."""
    for text, vector in queries[:20]:
        with conn.begin():
            run(text, vector)
    timings = []
    for text, vector in queries:
        started = time.perf_counter()
        with conn.begin():
            run(text, vector)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def server_time(conn: sa.Connection, queries: list, embedder: str, ef_search: int) -> tuple[float, float, float]:
    """(median, p90, p99) in ms of the server's execution of hybrid search over ``queries`` (EXPLAIN ANALYZE:
    planning, the round trips and the client left out, so less moved by the machine's load)."""
    times = []
    for text, vector in queries:
        with conn.begin():
            configure_search(conn, max(ef_search, CANDIDATES))
            statement, params = hybrid_statement(conn, EXAMPLES, scope=ENV, embedder=embedder, text=text,
                                                 vector=vector, k=K)
            plan = conn.execute(sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + statement.text), params).scalar()
        times.append(plan[0]["Execution Time"])
    median, p90, p99 = np.percentile(times, [50, 90, 99])
    return float(median), float(p90), float(p99)


def recall(conn: sa.Connection, target: np.ndarray, queries: list, embedder: str,
           ef_search: int) -> tuple[float, float, int]:
    """Recall@K of hybrid search's dense side (its dense ranks) against exact search: (mean, worst, queries
    below 0.5)."""
    hits = []
    for text, vector in queries:
        exact = set((np.argsort(-(target @ vector), kind="stable")[:K] + 1).tolist())  # ids start at 1
        with conn.begin():
            found = hybrid_search(conn, environment_id=ENV, embedder=embedder, text=text, vector=vector,
                                  k=2 * CANDIDATES, ef_search=ef_search)
        dense = {h.example_id for h in found if h.dense_rank is not None and h.dense_rank <= K}
        hits.append(len(exact & dense) / K)
    return float(np.mean(hits)), min(hits), sum(h < 0.5 for h in hits)


if __name__ == "__main__":
    main()
