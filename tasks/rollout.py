"""Rollout: the actor acts in a fresh episode for one instruction; the trajectory is stored whole,
each step marked when it repeats the previous one (lbi.method.clean_steps)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE

from lbi import runtime
from lbi.agent.loop import run_episode
from lbi.method.clean_steps import repeats_previous
from lbi.method.stages import Stage
from lbi.progress import id_range
from lbi.store import failures, trajectories
from lbi.store.trajectories import StoredStep, ToRollOut
from tasks.outcome import Outcome, for_units, guarded, guarded_read
from tasks.priority import call_priority


@task(name="rollout", cache_policy=NONE)
def roll_out(run_id: int, instruction_ids: list[int], max_steps: int) -> Outcome:
    """One episode per instruction of the batch; returns the trajectories' ids. The batch's instructions,
    and the trajectories already stored for them, are read in one statement."""
    rt = runtime.for_run(run_id)

    def read() -> dict[int, ToRollOut]:
        with rt.engine.connect() as conn:
            return trajectories.to_roll_out(conn, instruction_ids=instruction_ids, actor_model=rt.params["actor_model"])

    found = guarded_read(f"instructions {id_range(instruction_ids)}", read)
    if isinstance(found, Outcome):
        return found
    return for_units(instruction_ids, lambda instruction_id: roll_out_one(
        run_id, instruction_id, found.get(instruction_id), max_steps))


def roll_out_one(run_id: int, instruction_id: int, to_roll_out: ToRollOut | None, max_steps: int) -> Outcome:
    rt = runtime.for_run(run_id)
    model = rt.params["actor_model"]

    def work() -> list[int]:
        if to_roll_out is None:
            raise LookupError(f"no instruction {instruction_id} in the store")
        if to_roll_out.trajectory_id is not None:
            return [to_roll_out.trajectory_id]
        with rt.make_env() as env:
            episode = run_episode(env, client=rt.client, model=model, instruction=to_roll_out.instruction,
                                  max_steps=max_steps, priority=call_priority(Stage.ROLLOUT, instruction_id))
        steps = [StoredStep(idx, step.reason, step.action, step.observation, step.observation_error, repeats,
                            step.artifacts)
                 for idx, (step, repeats) in enumerate(zip(episode.steps, repeats_previous(episode.steps)), start=1)]
        with rt.engine.begin() as conn:
            if episode.failed_answer is not None:
                failures.record_failed_generation(
                    conn, stage=Stage.ROLLOUT, subject=f"instruction:{instruction_id}:step:{len(steps) + 1}",
                    model=model, reason=episode.error or "", answer=episode.failed_answer, run_id=run_id,
                )
            return [trajectories.save(
                conn, instruction_id=instruction_id, environment_id=rt.spec.id, actor_model=model,
                status=episode.status, error=episode.error, initial_observation=episode.initial_observation,
                steps=steps, run_id=run_id,
            )]

    return guarded(f"instruction {instruction_id}", work)
