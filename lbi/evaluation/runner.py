"""One task, one fresh episode: replayed from its gold actions, or acted by the model with or without retrieval.

The model acts through ``lbi.agent.loop.run_episode``, the same loop the
rollouts use; the environment's own checker judges the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from lbi.agent.loop import run_episode
from lbi.envs import registry
from lbi.evaluation.metered import MeteredClient
from lbi.evaluation.setup_env import WithSetup
from lbi.evaluation.task_set import Task
from lbi.models.client import ModelClient
from lbi.retrieval.agentic import AgenticRetrieval

# Builds the retrieval for one episode from the metered client (so its query calls count for the task):
# Algorithm 2 (AgenticRetrieval), or anything with its ``references_for`` and ``log`` (the RAG baseline).
RetrievalFactory = Callable[[MeteredClient], AgenticRetrieval]


@dataclass
class TaskResult:
    task_id: str
    difficulty: str | None
    success: bool
    detail: str
    status: str  # completed | max_steps | errored | replayed | task_set_error (the gold failed: not the agent's)
    steps: int = 0
    model_calls: int = 0
    tokens: int = 0
    retrieval_hits: int = 0
    retrieved: list[int] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    client: ModelClient
    model: str
    max_steps: int
    retrieval: RetrievalFactory | None = None


TASK_SET_ERROR = "task_set_error"


def replay_task(environment_id: str, task: Task) -> TaskResult:
    """Run the gold actions: 1.0 when the environment and the checker agree with the gold answer; a gold
    that fails its own check is a task-set error, not an ordinary failure."""
    failed_actions = []
    with WithSetup(registry.make(environment_id), task.setup) as env:
        env.reset()
        for action in task.gold_actions:
            if env.step(action).observation.error:
                failed_actions.append(action)
        verdict = env.check(task.check)
    if verdict.success:
        return TaskResult(task.id, task.difficulty, True, verdict.detail, "replayed",
                          steps=len(task.gold_actions), actions=list(task.gold_actions))
    detail = f"the gold fails its own check: {verdict.detail}"
    if failed_actions:
        detail += f" (gold action {failed_actions[0]!r} failed)"
    return TaskResult(task.id, task.difficulty, False, detail, TASK_SET_ERROR,
                      steps=len(task.gold_actions), actions=list(task.gold_actions))


def act_on_task(environment_id: str, task: Task, actor: Actor) -> TaskResult:
    client = MeteredClient(actor.client)
    retrieval = actor.retrieval(client) if actor.retrieval else None
    with WithSetup(registry.make(environment_id), task.setup) as env:
        episode = run_episode(env, client=client, model=actor.model, instruction=task.instruction,  # type: ignore[arg-type]
                              max_steps=actor.max_steps,
                              references_for=retrieval.references_for if retrieval else None)
        verdict = env.check(task.check)
    detail = verdict.detail if episode.error is None else f"{verdict.detail} ({episode.error})"
    log = retrieval.log if retrieval else None
    return TaskResult(
        task.id, task.difficulty, verdict.success, detail,
        TASK_SET_ERROR if verdict.broken_check else episode.status, steps=len(episode.steps),
        model_calls=client.calls, tokens=client.tokens, retrieval_hits=log.hits if log else 0,
        retrieved=list(dict.fromkeys(log.example_ids)) if log else [], actions=[s.action for s in episode.steps],
    )


def errored(task: Task, error: BaseException) -> TaskResult:
    return TaskResult(task.id, task.difficulty, False, f"{type(error).__name__}: {error}"[:2000], "errored")
