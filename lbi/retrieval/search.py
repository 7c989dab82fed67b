"""Searches over one scope of a searched table (an environment's examples, an experiment's corpus), each
one SQL statement built by lbi.retrieval.queries:

- ``hybrid``: dense (pgvector HNSW, cosine) and full-text (ts_rank over instruction and actions)
  candidates fused by reciprocal rank; ``hybrid_search`` over an environment's examples.
- ``observation``: the observation-based side of Algorithm 2, full-text over the observations each
  example's span saw; ``observation_search`` over an environment's examples.

HNSW runs with ``hnsw.iterative_scan = relaxed_order``: when the environment filter drops candidates the
index keeps scanning instead of returning short; the outer ORDER BY restores exact distance order. A vector
whose example has no document yet (stored while the committee judges, before the gate) is not searched.

The graph search can miss a whole group of near neighbours (at 100,000 examples one query in 200 got 1 of
its 10 true neighbours at ef_search 200; all 10 at 1000), so the dense side retries when the graph's
nearest vector is less similar than RETRY_BELOW, or when one of the text side's candidates is nearer to
the query than it: the graph again from that candidate, then, if that still misses, by cosine over the
SHORTLIST vectors nearest by the Hamming distance of their binary-quantized form (see
lbi.retrieval.queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.retrieval import queries
from lbi.retrieval.queries import EXAMPLES, Searched
from lbi.retrieval.store import vector_param

RRF_K = 60
CANDIDATES = 20  # per side, before fusion
TEXT_ROWS = 1000  # matching rows a full-text side ranks at most (when even the rarest words are common)
RAREST_WORDS = 12  # words a full-text query keeps at most
RETRY_BELOW = 0.5  # the graph's nearest vector less similar than this: the dense side retries
SHORTLIST = 1000  # nearest by Hamming distance that the last retry re-ranks by cosine


@dataclass(frozen=True)
class Hit:
    example_id: int
    score: float
    instruction: str
    reference: str
    dense_rank: int | None = None
    text_rank: int | None = None


def configure_search(conn: sa.Connection, ef_search: int) -> None:
    """Per transaction: the HNSW candidate list size, scanning on past a filter, and no parallel workers or JIT
    compilation (the exact scan is planned in every search, though it runs for few: its workers started,
    or its plan compiled, whether it runs or not)."""
    conn.execute(sa.text("SELECT set_config('hnsw.ef_search', :ef, true),"
                         " set_config('hnsw.iterative_scan', 'relaxed_order', true),"
                         " set_config('max_parallel_workers_per_gather', '0', true),"
                         " set_config('jit', 'off', true)"), {"ef": str(ef_search)})


def _params(*, scope: str | int, text: str, exclude: Sequence[int], k: int) -> dict:
    return {"scope": scope, "text": text, "exclude": list(exclude), "k": k, "text_rows": TEXT_ROWS,
            "rarest": RAREST_WORDS}


def _dense_params(conn: sa.Connection, *, embedder: str, vector: np.ndarray, candidates: int, retry: bool) -> dict:
    return {"embedder": embedder, "vector": vector_param(conn, vector), "candidates": candidates, "retry": retry,
            "retry_below": RETRY_BELOW, "shortlist": max(SHORTLIST, candidates)}


def hybrid_statement(conn: sa.Connection, searched: Searched, *, scope: str | int, embedder: str, text: str,
                     vector: np.ndarray, k: int = 10, exclude: Sequence[int] = (), candidates: int = CANDIDATES,
                     retry: bool = True) -> tuple[sa.TextClause, dict]:
    """Hybrid search's statement and its parameters, to run on ``conn`` after ``configure_search`` (or to EXPLAIN)."""
    return queries.hybrid(searched), {
        **_params(scope=scope, text=text, exclude=exclude, k=k), "rrf_k": RRF_K,
        **_dense_params(conn, embedder=embedder, vector=vector, candidates=max(candidates, k), retry=retry)}


def hybrid(conn: sa.Connection, searched: Searched, *, ef_search: int = 200, candidates: int = CANDIDATES,
           **search) -> list[Hit]:
    """Top k by reciprocal-rank fusion of the dense and full-text sides (the arguments of ``hybrid_statement``)."""
    configure_search(conn, max(ef_search, candidates))
    rows = conn.execute(*hybrid_statement(conn, searched, candidates=candidates, **search))
    return [Hit(r.example_id, float(r.score), r.instruction, r.reference, r.dense_rank, r.text_rank) for r in rows]


def observation(conn: sa.Connection, searched: Searched, *, scope: str | int, observation: str, k: int = 5,
                exclude: Sequence[int] = ()) -> list[Hit]:
    rows = conn.execute(queries.observation(searched), _params(scope=scope, text=observation, exclude=exclude, k=k))
    return [Hit(r.example_id, float(r.score), r.instruction, r.reference) for r in rows]


def hybrid_search(conn: sa.Connection, *, environment_id: str, **search) -> list[Hit]:
    """Hybrid search over an environment's examples (the arguments of ``hybrid``)."""
    return hybrid(conn, EXAMPLES, scope=environment_id, **search)


def observation_search(conn: sa.Connection, *, environment_id: str, **search) -> list[Hit]:
    """Observation search over an environment's examples (the arguments of ``observation``)."""
    return observation(conn, EXAMPLES, scope=environment_id, **search)


def dense_ids(conn: sa.Connection, *, environment_id: str, embedder: str, vector: np.ndarray, k: int,
              ef_search: int = 200, text: str = "", retry: bool = True) -> list[int]:
    """The dense side alone, as hybrid search ranks it for ``text`` (for recall measurements); ``retry=False``
    keeps the graph's answer even when it has missed (for comparisons)."""
    configure_search(conn, ef_search)
    return list(conn.execute(queries.dense(EXAMPLES), {
        **_params(scope=environment_id, text=text, exclude=(), k=k),
        **_dense_params(conn, embedder=embedder, vector=vector, candidates=k, retry=retry)}).scalars())
