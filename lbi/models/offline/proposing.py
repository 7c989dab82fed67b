"""Task proposing shared by the action-language skills: kinds of task weighted by how well
they fit the document, a template of each, filled from the document."""

from __future__ import annotations

from random import Random
from typing import Callable, Protocol, Sequence


class Kind(Protocol):
    name: str
    templates: Sequence[str]


def weighted_order(kinds: list[Kind], weights: list[float], rng: Random) -> list[Kind]:
    """The kinds in a random order where heavier ones tend to come first (weighted sampling without replacement)."""
    keys = [rng.random() ** (1.0 / w) if w > 0 else -1.0 for w in weights]
    return [kind for _, kind in sorted(zip(keys, kinds), key=lambda pair: -pair[0])]


def propose_tasks(kinds: Sequence[Kind], weights: dict[str, float], count: int, rng: Random, *,
                  fill_template: Callable[[str], str], skip_irrelevant: bool = False) -> list[str]:
    """Up to ``count`` distinct tasks; ``skip_irrelevant`` leaves out kinds of weight 0."""
    order = weighted_order(list(kinds), [weights[kind.name] for kind in kinds], rng)
    if skip_irrelevant:
        order = [kind for kind in order if weights[kind.name] > 0]
    tasks: list[str] = []
    for attempt in range(count * 6):
        if len(tasks) == count:
            break
        kind = order[attempt % len(order)]
        task = fill_template(rng.choice(kind.templates))
        if task not in tasks:
            tasks.append(task)
    return tasks
