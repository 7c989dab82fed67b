"""A synthetic corpus for the retrieval benchmark: 100,000+ examples whose texts and vectors agree.

Sentences are the tasks the offline model proposes on Chinook (from its schema,
over many seeds), each with the last statement its actor ran for it there. A "base" is two such tasks done one
after the other ("A. Then b."); the bundled model embeds a few thousand bases
for real. Every example is a base with a little noise on its vector, so the
corpus has what synthesized data has: many near-duplicates around distinct
tasks. (Embedding 100,000 texts one by one would take a quarter of an hour here.)
Queries are bases the corpus does not contain, embedded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

import numpy as np

from lbi.envs import registry
from lbi.envs.base import Environment
from lbi.envs.sqlite.offline.skill import SqlSkill
from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

NOISE = 0.01
SEEDS = 300
MAX_ACTIONS = 6


@dataclass(frozen=True)
class Base:
    text: str
    sql: str


def sentences() -> list[Base]:
    skill = SqlSkill()
    with registry.make("sqlite-chinook-v0") as env:
        overview = env.reset().text
        tasks = sorted({task for seed in range(SEEDS) for task in skill.propose_tasks("", overview, 20, Random(seed))})
        played = [(task, _last_statement(env, skill, task)) for task in tasks]
    return [Base(task, sql) for task, sql in played if sql]


def _last_statement(env: Environment, skill: SqlSkill, task: str) -> str | None:
    """The last data statement the offline actor runs without error for ``task``."""
    observation, history, last = env.reset().text, [], None
    for _ in range(MAX_ACTIONS):
        _, action = skill.next_action(task, history, Random(task), observation=observation)
        if action == STOP:
            break
        result = env.step(action).observation
        if not result.error and not skill.is_inspection(action):
            last = action
        history.append(Turn(action, result.text))
        observation = result.text
    return last


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
