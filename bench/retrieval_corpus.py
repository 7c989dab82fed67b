"""A synthetic corpus for the retrieval benchmark: 100,000+ examples whose texts and vectors agree.

Sentences are the offline model's task templates filled with every parameter
value, each with the SQL that does it. A "base" is two such tasks done one
after the other ("A. Then b."); the bundled model embeds a few thousand bases
for real. Every example is a base with a little noise on its vector, so the
corpus has what synthesized data has: many near-duplicates around distinct
tasks. (Embedding 100,000 texts one by one would take a quarter of an hour here.)
Queries are bases the corpus does not contain, embedded the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from lbi.models.offline.sql_tasks import KINDS, PARAMETERS, fill, placeholders, with_derived

NOISE = 0.01


@dataclass(frozen=True)
class Base:
    text: str
    sql: str


def sentences() -> list[Base]:
    found = []
    for kind in KINDS:
        sql = kind.plans[-1][-1].sql
        for template in kind.templates:
            names = placeholders(template)
            for combo in itertools.product(*(PARAMETERS[name] for name in names)):
                values = with_derived(kind, dict(zip(names, combo)))
                found.append(Base(fill(template, values), fill(sql, values, quote=True)))
    return found


def bases(n: int, rng: np.random.Generator) -> list[Base]:
    """n distinct two-task bases."""
    single = sentences()
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < n:
        a, b = (int(i) for i in rng.integers(0, len(single), 2))
        if a != b:
            chosen.add((a, b))
    return [Base(f"{single[a].text} Then {single[b].text[:1].lower()}{single[b].text[1:]}",
                 f"{single[a].sql}\n{single[b].sql}") for a, b in sorted(chosen)]


def examples(n: int, base_vectors: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(the base of each example, its unit vector) for n examples."""
    picked = rng.integers(0, len(base_vectors), size=n)
    vectors = base_vectors[picked] + rng.normal(0, NOISE, size=(n, base_vectors.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return picked, vectors.astype(np.float32)
