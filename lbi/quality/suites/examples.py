"""Examples (a span of a trajectory and the instruction written backward from it)."""

from __future__ import annotations

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import BATCH, Check, Suite, between, in_set, no_rows, not_null


def rows(scope: Scope) -> str:
    return f"""
        SELECT e.id AS example_id, e.trajectory_id, e.instruction_id, e.kind, e.start_step, e.end_step,
               t.n_steps, i.origin AS instruction_origin, i.trajectory_id AS instruction_trajectory_id,
               length(i.text) AS instruction_chars,
               (i.text ~ '\\S')::int AS instruction_has_text
        FROM lbi.examples e
        JOIN lbi.trajectories t ON t.id = e.trajectory_id
        LEFT JOIN lbi.instructions i ON i.id = e.instruction_id
        WHERE {scope.trajectories("e.trajectory_id")}
    """


def checks(config: GateConfig) -> list[Check]:
    return [
        not_null("example_has_instruction", "every example's instruction exists", "instruction_origin"),
        in_set("example_kind_known", "an example is a task or a replicate instruction", "kind",
               ["task", "replicate"]),
        no_rows(
            "span_within_trajectory", "an example's span lies within its trajectory's steps",
            f"SELECT example_id, start_step, end_step, n_steps FROM {BATCH}"
            " WHERE start_step < 1 OR end_step < start_step OR end_step > n_steps",
            id_column="example_id",
        ),
        no_rows(
            "instruction_written_for_its_trajectory",
            "an example's instruction was written backward from the example's own trajectory",
            f"SELECT example_id, instruction_origin, instruction_trajectory_id, trajectory_id FROM {BATCH}"
            " WHERE instruction_origin IS DISTINCT FROM 'backward'"
            " OR instruction_trajectory_id IS DISTINCT FROM trajectory_id",
            id_column="example_id",
        ),
        between("instruction_not_empty", "every example's instruction has visible text",
                "instruction_has_text", min_value=1),
        between("instruction_length_bounded",
                f"an example's instruction is at most {config.max_instruction_chars} characters long",
                "instruction_chars", max_value=config.max_instruction_chars, severity="warn"),
    ]


SUITE = Suite(name="examples", key="example_id", rows=rows, checks=checks)
