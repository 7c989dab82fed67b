"""Every suite, in stage order, and which suites follow which synthesize stage."""

from __future__ import annotations

from lbi.quality.suite import Suite
from lbi.quality.suites import documents, embeddings, examples, instructions, model_calls, trajectories, verdicts

SUITES: dict[str, Suite] = {s.name: s for s in (
    documents.SUITE, instructions.SUITE, trajectories.SUITE, examples.SUITE, verdicts.SUITE,
    model_calls.SUITE, embeddings.SUITE,
)}

AFTER_STAGE: dict[str, tuple[str, ...]] = {
    "ingest": ("documents",),
    "self_instruct": ("instructions", "model_calls"),
    "rollout": ("trajectories", "model_calls"),
    "backward": ("examples", "model_calls"),
    "judge": ("verdicts", "model_calls"),
    "index": ("embeddings",),
}
