"""The offline model's roles: the request's metadata names the role and the environment's family; the family's
skill (registered beside the family) does the work; the answer follows the role's contract."""

from __future__ import annotations

import inspect
import json
from random import Random
from typing import Callable

from lbi.method.roles import Role
from lbi.prompts.act import STOP
from lbi.models.offline.judging import judge
from lbi.models.offline.prompt_reading import (
    Prompt, actor_history, between, instruction_of, read_prompt, requested_count, task_of, trajectory_of,
)
from lbi.models.offline.protocol import ChatRequest
from lbi.models.offline.references import follow_reference, references_of
from lbi.models.offline.seeding import seeded_random
from lbi.models.offline.skill import ActionSkill, skill_for


def answer(chat: ChatRequest, *, seed: int) -> str:
    """The answer: a pure function of (seed, model, metadata, messages)."""
    prompt = read_prompt(chat.messages, chat.metadata)
    role = _ROLES.get(prompt.role)
    if role is None:
        return ("Hello! I'm the offline stand-in model. I'm not sure what you need from me here; "
                "could you tell me a little more about what you would like?")
    skill = skill_for(prompt.family)
    if skill is None:
        return (f"I'm sorry, the offline model has no skill for the environment family "
                f"'{prompt.family or 'unknown'}', so I cannot answer as the {prompt.role}.")
    return role(prompt, skill, (seed, chat.model, prompt.role))


def _propose(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    document = between(prompt.user, "<document>\n", "\n</document>")
    environment = between(prompt.user, "<environment>\n", "\n</environment>")
    count = requested_count(prompt.user)
    tasks = skill.propose_tasks(document, environment, count, seeded_random(*key, environment, document, count))
    return json.dumps({"tasks": tasks}, ensure_ascii=False)


def _act(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    task = task_of(prompt.user)
    history = actor_history(prompt.user)
    observation = between(prompt.user, "\n\nCurrent observation:\n", "\n\nWhat is the next action?")
    followed = follow_reference(task, history, references_of(prompt.user), skill.failed)
    reason, action = followed or _next_action(skill, task, history, observation, seeded_random(*key, task))
    return f"REASON: {reason}\nACTION: {action}"


def _next_action(skill: ActionSkill, task: str, history: list, observation: str, rng: Random) -> tuple[str, str]:
    """The skill's next action, given the current observation when its ``next_action`` takes one."""
    if "observation" in inspect.signature(skill.next_action).parameters:
        return skill.next_action(task, history, rng, observation=observation)
    return skill.next_action(task, history, rng)


def _write_query(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    """The task itself, with what the last failed action broke on when it failed."""
    task = task_of(prompt.user)
    history = actor_history(prompt.user)
    query = task
    if history and skill.failed(history[-1].observation):
        query += " " + history[-1].observation.splitlines()[0][:200]
    return json.dumps({"query": query}, ensure_ascii=False)


def _label_task(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    turns = trajectory_of(prompt.user)
    if not turns:
        return json.dumps({"instruction": "Look at the initial state of the environment."})
    return json.dumps({"instruction": skill.task_instruction(turns, seeded_random(*key, prompt.user))},
                      ensure_ascii=False)


def _label_replicate(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    turns = trajectory_of(prompt.user)
    if not turns:
        return json.dumps({"summary": ["No action was taken."],
                           "instruction": "Look at the initial state of the environment."})
    summary, instruction = skill.replicate(turns, seeded_random(*key, prompt.user))
    return json.dumps({"summary": summary, "instruction": instruction}, ensure_ascii=False)


def _reason(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    """The task's own words: why the action serves it, or that it is done."""
    task = task_of(prompt.user).rstrip(".")
    action = between(prompt.user, "<action>\n", "\n</action>").strip()
    if action.upper() == STOP:
        reason = f"What the task asks for is now shown, so it is done: {task}."
    else:
        reason = f"This step works toward the task ({task}): {action.splitlines()[0][:200] if action else ''}"
    return json.dumps({"reason": reason}, ensure_ascii=False)


def _judge(prompt: Prompt, skill: ActionSkill, key: tuple) -> str:
    turns = trajectory_of(prompt.user)
    verdicts = judge(instruction_of(prompt.user), turns, skill, seeded_random(*key, prompt.user))
    return json.dumps(verdicts, ensure_ascii=False)


_ROLES: dict[str, Callable[[Prompt, ActionSkill, tuple], str]] = {
    Role.SELF_INSTRUCT: _propose,
    Role.ACTOR: _act,
    Role.LABEL_TASK: _label_task,
    Role.LABEL_REPLICATE: _label_replicate,
    Role.JUDGE: _judge,
    Role.QUERY_WRITER: _write_query,
    Role.REASON: _reason,
}
