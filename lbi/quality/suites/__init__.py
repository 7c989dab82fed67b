"""Every suite, in stage order, and which suites follow which synthesize stage."""

from __future__ import annotations

from lbi.method.stages import Stage
from lbi.quality.suite import Suite
from lbi.quality.suites import documents, embeddings, examples, instructions, model_calls, trajectories, verdicts

SUITES: dict[str, Suite] = {s.name: s for s in (
    documents.SUITE, instructions.SUITE, trajectories.SUITE, examples.SUITE, verdicts.SUITE,
    model_calls.SUITE, embeddings.SUITE,
)}

AFTER_STAGE: dict[Stage, tuple[str, ...]] = {
    Stage.INGEST: ("documents",),
    Stage.SELF_INSTRUCT: ("instructions", "model_calls"),
    Stage.ROLLOUT: ("trajectories", "model_calls"),
    Stage.BACKWARD: ("examples", "model_calls"),
    Stage.JUDGE: ("verdicts", "model_calls"),
    Stage.INDEX: ("embeddings",),
}
