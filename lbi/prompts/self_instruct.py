"""Self-instruct: tasks proposed from one documentation chunk."""

from __future__ import annotations

from lbi.envs.base import EnvSpec
from lbi.prompts.parsing import ParseFailure, first_json_object
from lbi.prompts.templates import messages

MAX_TASK_CHARS = 500


def build(spec: EnvSpec, start_observation: str, chunk: str, n: int) -> list[dict[str, str]]:
    return messages(
        "self_instruct",
        env_id=spec.id,
        action_language=spec.action_language,
        env_description=spec.description,
        start_observation=start_observation,
        chunk=chunk,
        n=n,
    )


def parse(answer: str, n: int) -> list[str] | ParseFailure:
    """Up to ``n`` distinct, non-empty task sentences."""
    data = first_json_object(answer)
    if data is None or not isinstance(data.get("tasks"), list):
        return ParseFailure('no JSON object with a "tasks" list', answer)
    tasks: list[str] = []
    for item in data["tasks"]:
        if not isinstance(item, str):
            continue
        text = " ".join(item.split())
        if text and len(text) <= MAX_TASK_CHARS and text not in tasks:
            tasks.append(text)
    if not tasks:
        return ParseFailure("the tasks list holds no usable task", answer)
    return tasks[:n]
