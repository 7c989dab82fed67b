"""The paper's variants: what each one retrieves from (its corpus) and how (its retrieval)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Retrieval(StrEnum):
    OFF = "off"  # no references: the baseline agent
    OBSERVATION = "observation"  # m1 examples by observation per step
    MODEL = "model"  # m2 examples by the model's query per step
    BOTH = "both"  # Algorithm 2
    CHUNKS = "chunks"  # m1 + m2 documentation chunks per step (RAG)


class Corpus(StrEnum):
    ACCEPTED = "accepted"  # the dataset as the committee decided it
    UNFILTERED = "unfiltered"  # every relabeled example
    STRICT = "policy-unanimous"
    MAJORITY = "policy-majority"
    RELAXED = "policy-any"
    ORIGINAL_PAIRS = "original-pairs"  # those the committee accepts
    WITHOUT_DOCUMENTS = "without-documents"
    CHUNKS = "documentation-chunks"


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    corpus: Corpus | None
    retrieval: Retrieval


VARIANTS = (
    Variant("full", "the method: documents, backward construction, the committee, both retrievals",
            Corpus.ACCEPTED, Retrieval.BOTH),
    Variant("no-backward-construction", "each self-instructed task with its whole trajectory (no relabeling), "
            "kept when the committee accepts it", Corpus.ORIGINAL_PAIRS, Retrieval.BOTH),
    Variant("no-documents", "tasks proposed from exploring the environment alone, then the method",
            Corpus.WITHOUT_DOCUMENTS, Retrieval.BOTH),
    Variant("no-committee", "every relabeled example, before the filter", Corpus.UNFILTERED, Retrieval.BOTH),
    Variant("policy-strict", "every judge's verdict, every judge accepting", Corpus.STRICT, Retrieval.BOTH),
    Variant("policy-majority", "every judge's verdict, more than half the judges accepting", Corpus.MAJORITY,
            Retrieval.BOTH),
    Variant("policy-relaxed", "every judge's verdict, one judge accepting", Corpus.RELAXED, Retrieval.BOTH),
    Variant("retrieval-off", "no examples: the agent alone", None, Retrieval.OFF),
    Variant("retrieval-observation", "observation-based retrieval only", Corpus.ACCEPTED, Retrieval.OBSERVATION),
    Variant("retrieval-model", "model-based retrieval only", Corpus.ACCEPTED, Retrieval.MODEL),
    Variant("retrieval-both", "observation- and model-based retrieval", Corpus.ACCEPTED, Retrieval.BOTH),
    Variant("rag-documentation", "documentation chunks retrieved instead of examples", Corpus.CHUNKS,
            Retrieval.CHUNKS),
)
NAMES = [variant.name for variant in VARIANTS]


def variants_named(names: list[str]) -> list[Variant]:
    """The variants of ``names`` in the table's order (all of them for an empty list)."""
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        raise ValueError(f"unknown variant {unknown[0]!r} (variants: {', '.join(NAMES)})")
    return [variant for variant in VARIANTS if not names or variant.name in names]
