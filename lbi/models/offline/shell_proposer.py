"""Self-instruct in the weatherlog project: tasks grounded in what a documentation chunk talks about
(the tools a man page describes, the files and commands the handbook names)."""

from __future__ import annotations

import re
from random import Random

from lbi.models.offline.proposing import propose_tasks
from lbi.models.offline.shell_tasks import KINDS, PARAMETERS, TaskKind, fill, placeholders


def propose(document: str, count: int, rng: Random) -> list[str]:
    return propose_tasks(
        KINDS, relevance(document), count, rng, skip_irrelevant=False,
        fill_template=lambda template: fill(template, {name: _value(name, document, rng)
                                                        for name in placeholders(template)}),
    )


def relevance(document: str) -> dict[str, float]:
    """How well each kind of task fits the document: the share of its topic words the document uses."""
    words = set(re.findall(r"[a-z][a-z0-9_-]+", document.lower()))
    weights = {}
    for kind in KINDS:
        shared = len(kind.topics & words) / len(kind.topics)
        weights[kind.name] = (0.05 + shared) ** 3 * (2.0 if _names_tool(kind, document) else 1.0)
    return weights


def _names_tool(kind: TaskKind, document: str) -> bool:
    """True when the document is about a program the kind's commands run (a man page's NAME line, say)."""
    commands = " ".join(step.command for plan in kind.plans for step in plan)
    programs = {word for word in re.findall(r"(?:^|\| )([a-z]+)", commands)}
    head = document[:300].lower()
    return any(re.search(rf"\b{program}\b", head) for program in programs)


def _value(name: str, document: str, rng: Random) -> str:
    """A value for a placeholder, preferring one the document itself mentions."""
    pool = PARAMETERS[name]
    mentioned = [v for v in pool if not v.isdigit() and re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", document)]
    return rng.choice(mentioned or list(pool))
