"""Self-instruct on Chinook: tasks grounded in what a documentation chunk names (tables, columns, SQL features)."""

from __future__ import annotations

import re
from random import Random

from lbi.models.offline import chinook
from lbi.models.offline.proposing import propose_tasks
from lbi.models.offline.sql_tasks import COMMON_FEATURES, KINDS, PARAMETERS, features_in, fill, placeholders


def propose(document: str, count: int, rng: Random) -> list[str]:
    return propose_tasks(
        KINDS, _relevance(document), count, rng, skip_irrelevant=True,
        fill_template=lambda template: fill(template, {name: _value(name, document, rng)
                                                        for name in placeholders(template)}),
    )


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


def _value(name: str, document: str, rng: Random) -> str:
    """A value for a placeholder, preferring one the document itself mentions."""
    pool = PARAMETERS[name]
    if name == "table":
        mentioned = chinook.tables_mentioned(document)
        return rng.choice(mentioned) if mentioned else rng.choice(pool)
    mentioned = [v for v in pool if not v.isdigit() and re.search(rf"\b{re.escape(v)}\b", document)]
    return rng.choice(mentioned or pool)
