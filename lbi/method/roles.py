"""The model roles of the method: each names one prompt template, one output contract and one ledger value."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SELF_INSTRUCT = "self_instruct"  # proposes tasks from a documentation chunk
    ACTOR = "actor"  # acts in the environment (rollouts, evaluation)
    LABEL_TASK = "label_task"  # backward construction: the task a span completes
    LABEL_REPLICATE = "label_replicate"  # backward construction: summary, then an instruction to replicate
    JUDGE = "judge"  # a committee member
    QUERY_WRITER = "query_writer"  # model-based retrieval's search query
    REASON = "reason"  # an exported action's reason, written for the example's relabeled instruction
