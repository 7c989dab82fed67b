"""Self-instruct's share of work: N tasks per document, spread evenly over the document's chunks."""

from __future__ import annotations


def tasks_for_chunk(per_document: int, index: int, chunks: int) -> int:
    """How many of a document's ``per_document`` tasks its chunk ``index`` (of ``chunks``) proposes.

    The shares add up to ``per_document``; with more chunks than tasks, evenly spaced chunks get one each.
    """
    if chunks < 1 or not 0 <= index < chunks:
        raise ValueError(f"chunk {index} of {chunks}")
    return (index + 1) * per_document // chunks - index * per_document // chunks


EXPLORATION_TASK = ("Explore this environment: look at what it holds and what can be done in it, "
                    "one look at a time, without changing anything.")


def exploration_notes(exploration: str) -> str:
    """What self-instruct reads in place of a documentation chunk when there is no documentation (the
    paper's ablation): what an exploration of the environment showed."""
    return f"There is no documentation. What an exploration of the environment showed:\n\n{exploration}"
