"""The "without documentation" variant's data: tasks proposed from exploring the environment alone,
then Algorithm 1 as usual (rollout, backward construction, the committee).

The actor first explores the environment in one episode; self-instruct then
reads that exploration where it would read a documentation chunk. The rest is
lbi.method.algorithm1 taken literally: nothing is stored in the dataset
tables, so this data cannot reach the environment's dataset; the model calls
go through the experiment's client (cached, in the ledger under its run).
"""

from __future__ import annotations

from lbi.agent.loop import run_episode
from lbi.envs import registry
from lbi.envs.base import EnvSpec
from lbi.method import questions
from lbi.method.algorithm1 import Algorithm1Params, SynthesizedExample, examples_of_task
from lbi.method.self_instruct import EXPLORATION_TASK, exploration_notes
from lbi.models.client import ModelClient
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn, render_turns


def propose_without_documents(client: ModelClient, spec: EnvSpec, params: Algorithm1Params, n: int) -> list[str]:
    """``n`` tasks from one exploration episode (none when the model's answer broke the contract)."""
    with registry.make(spec.id) as env:
        exploration = run_episode(env, client=client, model=params.actor_model, instruction=EXPLORATION_TASK,
                                  max_steps=params.max_steps)
    seen = render_turns([Turn(step.action, step.observation) for step in exploration.steps])
    tasks = questions.propose_tasks(client, spec, model=params.generator_model,
                                    start_observation=exploration.initial_observation,
                                    chunk=exploration_notes(seen), n=n)
    return [] if isinstance(tasks, ParseFailure) else tasks


def synthesize_without_documents(client: ModelClient, spec: EnvSpec, params: Algorithm1Params,
                                 n: int) -> list[SynthesizedExample]:
    """The examples the committee accepts, made from ``n`` tasks proposed without documentation."""
    examples = [example for task in propose_without_documents(client, spec, params, n)
                for example in examples_of_task(client, spec, task, params)]
    return [example for example in examples if example.accepted]
