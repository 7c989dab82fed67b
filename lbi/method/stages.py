"""The stages of synthesis, in the order data flows through them.

The order is also the order of precedence for model calls waiting for a slot
(tasks/priority.py) and the order quality gates are listed in; the values are
stored (lbi.run_stage_ids.stage, lbi.failed_generations.stage).
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    INGEST = "ingest"  # documents read, stored and chunked
    SELF_INSTRUCT = "self_instruct"  # tasks proposed from each chunk
    ROLLOUT = "rollout"  # the actor acts on each task in a fresh episode
    BACKWARD = "backward"  # every span of a trajectory relabeled
    JUDGE = "judge"  # the committee decides on each example
    INDEX = "index"  # accepted examples embedded for retrieval

    @property
    def position(self) -> int:
        """0 for the first stage, 1 for the next, ..."""
        return list(Stage).index(self)
