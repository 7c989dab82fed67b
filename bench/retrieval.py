"""Retrieval at 100,000 examples: hybrid top-10 latency (p50, p99) and the HNSW side's recall@10 against
exact search, on a database of its own. Prints its figures; run `python bench/retrieval.py [--examples N]`.

Targets on this 2-core machine: p99 under 30 ms, recall@10 at least 0.95.
"""

from __future__ import annotations

import argparse
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
from bench.harness import BENCH_HOME, fresh_database  # noqa: E402
from lbi.config import Settings  # noqa: E402
from lbi.retrieval.embedders import BundledEmbedder  # noqa: E402
from lbi.retrieval.search import dense_ids, hybrid_search, observation_search  # noqa: E402
from lbi.retrieval.store import count_words  # noqa: E402
from lbi.store import embedded  # noqa: E402

ENV, OTHER = "bench-target-v0", "bench-other-v0"
K = 10
INSTRUCTION_IDS = 10_000_000  # explicit ids above the few the server hands out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100_000, help="examples in the searched environment")
    parser.add_argument("--others", type=int, default=20_000, help="examples in another environment")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--bases", type=int, default=6000, help="distinct tasks embedded for real")
    parser.add_argument("--ef-search", type=int, default=Settings.model_fields["hnsw_ef_search"].default)
    parser.add_argument("--database", help="measure an already loaded database (made with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database for another measurement")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    embedder = BundledEmbedder()

    started = time.perf_counter()
    everything = corpus.bases(args.bases + 200, rng)
    base_items, query_items = everything[:args.bases], everything[args.bases:]
    vectors = embedder.embed([b.text for b in everything])
    base_vectors, query_vectors = vectors[:len(base_items)], vectors[len(base_items):]
    print(f"embedded {len(base_items)} bases and {len(query_items)} queries in {time.perf_counter() - started:.1f} s")

    url = bench_database_url(args.database) if args.database else fresh_database()
    engine = sa.create_engine(url)
    dsn = engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg", "postgresql")
    if args.database:
        target = stored_vectors(dsn)
    else:
        target = load(dsn, ENV, args.examples, base_items, base_vectors, rng, first_id=1, embedder=embedder.name)
        load(dsn, OTHER, args.others, base_items, base_vectors, rng, first_id=args.examples + 1,
             embedder=embedder.name)
        started = time.perf_counter()
        with engine.begin() as conn:
            count_words(conn, example_ids=list(range(1, args.examples + args.others + 1)))
        print(f"counted document frequencies in {time.perf_counter() - started:.1f} s")
        build_index(dsn)

    queries = [(query_items[i % len(query_items)].text, query_vectors[i % len(query_vectors)])
               for i in range(args.queries)]
    with engine.connect() as conn:
        report_plan(conn, queries[0][1], embedder.name, args.ef_search)
        measure(conn, "hybrid top-10 (SQL, query vector given)", queries, lambda text, vector: hybrid_search(
            conn, environment_id=ENV, embedder=embedder.name, text=text, vector=vector, k=K,
            ef_search=args.ef_search), commit=True)
        measure(conn, "hybrid top-10 (embedding the query too)", queries[:200], lambda text, vector: hybrid_search(
            conn, environment_id=ENV, embedder=embedder.name, text=text, vector=embedder.embed([text])[0], k=K,
            ef_search=args.ef_search), commit=True)
        observations = [f"Name | Milliseconds\n{b.text} | {1000 + i}\n(1 row)" for i, b in enumerate(query_items)]
        measure(conn, "observation-based top-5 (full text)", [(o, None) for o in observations[:200]],
                lambda text, _: observation_search(conn, environment_id=ENV, observation=text, k=5), commit=True)
        recall(conn, target, queries, embedder.name, args.ef_search)
    engine.dispose()
    name = engine.url.database
    if args.keep or args.database:
        print(f"kept database {name} (measure it again with --database {name})")
    else:
        drop_database(name)


def bench_database_url(name: str) -> str:
    return embedded.url_for(embedded.running_info((BENCH_HOME / "pgdata").resolve()), name)


def drop_database(name: str) -> None:
    info = embedded.running_info((BENCH_HOME / "pgdata").resolve())
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def stored_vectors(dsn: str) -> np.ndarray:
    """The searched environment's vectors, in example id order (ids start at 1)."""
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        rows = conn.execute("SELECT embedding FROM lbi.embeddings WHERE environment_id = %s ORDER BY example_id",
                            (ENV,)).fetchall()
    return np.stack([row[0].to_numpy() for row in rows]).astype(np.float32)


def load(dsn: str, env: str, n: int, items: list[corpus.Base], base_vectors: np.ndarray, rng: np.random.Generator,
         *, first_id: int, embedder: str) -> np.ndarray:
    """Examples (with their instructions, a trajectory, documents and embeddings) by COPY; returns the vectors."""
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
    return vectors


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
    from lbi.retrieval.search import configure_hnsw
    from lbi.retrieval.store import vector_literal

    with conn.begin():
        configure_hnsw(conn, ef_search)
        plan = conn.execute(sa.text(
            "EXPLAIN SELECT example_id FROM lbi.embeddings WHERE environment_id = :env AND embedder = :e "
            "ORDER BY embedding <=> CAST(:v AS vector) LIMIT 40"),
            {"env": ENV, "e": embedder, "v": vector_literal(vector)}).scalars().all()
    print("dense side uses:", next((line.strip() for line in plan if "Index" in line or "Scan" in line), plan[0]))


def measure(conn: sa.Connection, label: str, queries: list, run, commit: bool) -> None:
    for text, vector in queries[:20]:  # warm the caches
        with conn.begin():
            run(text, vector)
    timings = []
    for text, vector in queries:
        started = time.perf_counter()
        with conn.begin():
            run(text, vector)
        timings.append((time.perf_counter() - started) * 1000)
    p50, p99 = np.percentile(timings, [50, 99])
    print(f"{label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms over {len(timings)} queries")


def recall(conn: sa.Connection, target: np.ndarray, queries: list, embedder: str, ef_search: int) -> None:
    hits = []
    for _, vector in queries:
        exact = set((np.argsort(-(target @ vector), kind="stable")[:K] + 1).tolist())  # ids start at 1
        with conn.begin():
            found = dense_ids(conn, environment_id=ENV, embedder=embedder, vector=vector, k=K, ef_search=ef_search)
        hits.append(len(exact & set(found)) / K)
    print(f"recall@{K} of the HNSW side against exact search (ef_search {ef_search}): {np.mean(hits):.4f} "
          f"(min {min(hits):.1f}) over {len(hits)} queries")


if __name__ == "__main__":
    main()
