"""Self-instruct on Chinook: tasks grounded in what a documentation chunk names (tables, columns, SQL features)."""

from __future__ import annotations

import re
from random import Random

from lbi.models.offline import chinook
from lbi.models.offline.sql_tasks import COMMON_FEATURES, KINDS, PARAMETERS, TaskKind, features_in, fill, placeholders


def propose(document: str, count: int, rng: Random) -> list[str]:
    weights = _relevance(document)
    order = _weighted_order(list(KINDS), [weights[kind.name] for kind in KINDS], rng)
    order = [kind for kind in order if weights[kind.name] > 0]
    tasks: list[str] = []
    for attempt in range(count * 6):
        if len(tasks) == count:
            break
        kind = order[attempt % len(order)]
        template = rng.choice(kind.templates)
        task = fill(template, {name: _value(name, document, rng) for name in placeholders(template)})
        if task not in tasks:
            tasks.append(task)
    return tasks


def _relevance(document: str) -> dict[str, float]:
    """How well each kind of task fits the document; 0 for writes the document does not discuss."""
    features = features_in(document)
    mentions = chinook.table_mentions(document)
    for column in chinook.columns_mentioned(document):
        for table, columns in chinook.TABLES.items():
            if column in columns:
                mentions[table] = mentions.get(table, 0) + 1
    most = max(mentions.values(), default=1)
    weights = {}
    for kind in KINDS:
        shared = kind.features & features
        if kind.writes and not shared - COMMON_FEATURES:
            weights[kind.name] = 0.0
            continue
        tables = kind.tables or ((max(mentions, key=mentions.get),) if mentions else ())
        topical = sum(mentions.get(t, 0) for t in tables) / (most * len(tables)) if tables else 0.0
        featured = sum(1 if f in COMMON_FEATURES else 2 for f in shared)
        weights[kind.name] = ((0.3 + topical) * (1 + featured)) ** 2
    return weights


def _weighted_order(kinds: list[TaskKind], weights: list[float], rng: Random) -> list[TaskKind]:
    """The kinds in a random order where heavier ones tend to come first (weighted sampling without replacement)."""
    keys = [rng.random() ** (1.0 / w) if w > 0 else -1.0 for w in weights]
    return [kind for _, kind in sorted(zip(keys, kinds), key=lambda pair: -pair[0])]


def _value(name: str, document: str, rng: Random) -> str:
    """A value for a placeholder, preferring one the document itself mentions."""
    pool = PARAMETERS[name]
    if name == "table":
        mentioned = chinook.tables_mentioned(document)
        return rng.choice(mentioned) if mentioned else rng.choice(pool)
    mentioned = [v for v in pool if not v.isdigit() and re.search(rf"\b{re.escape(v)}\b", document)]
    return rng.choice(mentioned or pool)
