"""Tasks proposed by self-instruct."""

from __future__ import annotations

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import Check, Suite, between, in_set, not_null


def rows(scope: Scope) -> str:
    return f"""
        SELECT i.id AS instruction_id, i.environment_id, i.origin, length(i.text) AS chars,
               (i.text ~ '\\S')::int AS has_visible_text,
               (SELECT count(*) FROM lbi.instruction_sources x WHERE x.instruction_id = i.id) AS source_chunks
        FROM lbi.instructions i
        WHERE {scope.tasks("i.id")}
    """


def checks(config: GateConfig) -> list[Check]:
    return [
        not_null("task_has_environment", "every task names its environment", "environment_id"),
        in_set("task_origin_self_instruct", "these are self-instruct tasks", "origin", ["self_instruct"]),
        between("task_not_empty", "every task has visible text", "has_visible_text", min_value=1),
        between("task_length_bounded", f"a task is at most {config.max_instruction_chars} characters long",
                "chars", max_value=config.max_instruction_chars, severity="warn"),
        between("task_has_source_chunk", "every task names the document chunk that proposed it",
                "source_chunks", min_value=1),
    ]


SUITE = Suite(name="instructions", key="instruction_id", rows=rows, checks=checks)
