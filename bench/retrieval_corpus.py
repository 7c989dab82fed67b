"""A synthetic corpus for the retrieval benchmark: 100,000+ examples whose texts and vectors agree.

Base sentences are the offline model's task templates filled with every
parameter value (with the SQL that does each); the bundled model embeds them
once. An example is a base (its instruction) plus a second base (a later step):
its text is both SQL statements, its vector normalize(e_a + 0.35 e_b + noise).
Embedding 100,000 texts one by one would take a quarter of an hour here; this
keeps the structure real embeddings have (tight clusters, near-duplicates).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from lbi.models.offline.sql_tasks import KINDS, PARAMETERS, fill, placeholders, with_derived

SECOND_WEIGHT = 0.35
NOISE = 0.012


@dataclass(frozen=True)
class Base:
    text: str
    sql: str


def bases() -> list[Base]:
    found = []
    for kind in KINDS:
        sql = kind.plans[-1][-1].sql
        for template in kind.templates:
            names = placeholders(template)
            for combo in itertools.product(*(PARAMETERS[name] for name in names)):
                values = with_derived(kind, dict(zip(names, combo)))
                found.append(Base(fill(template, values), fill(sql, values, quote=True)))
    return found


def split(items: list[Base], rng: np.random.Generator, query_share: float = 0.15) -> tuple[list[Base], list[Base]]:
    order = rng.permutation(len(items))
    cut = int(len(items) * query_share)
    return [items[i] for i in order[cut:]], [items[i] for i in order[:cut]]


def examples(n: int, base_vectors: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(pairs of base indexes, unit vectors) for n examples."""
    pairs = rng.integers(0, len(base_vectors), size=(n, 2))
    vectors = base_vectors[pairs[:, 0]] + SECOND_WEIGHT * base_vectors[pairs[:, 1]]
    vectors += rng.normal(0, NOISE, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return pairs, vectors.astype(np.float32)
