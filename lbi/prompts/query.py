"""Model-based retrieval (Algorithm 2): the query the model writes from goal, history and observation."""

from __future__ import annotations

from lbi.envs.base import EnvSpec
from lbi.prompts.parsing import ParseFailure, first_json_object
from lbi.prompts.render import Turn, render_turns
from lbi.prompts.templates import messages

MAX_QUERY_CHARS = 500


def build(spec: EnvSpec, instruction: str, history: list[Turn], observation: str) -> list[dict[str, str]]:
    return messages(
        "query",
        env_id=spec.id,
        action_language=spec.action_language,
        instruction=instruction,
        history=render_turns(history) if history else "(no actions yet)",
        observation=observation,
    )


def parse(answer: str) -> str | ParseFailure:
    data = first_json_object(answer)
    if data is None:
        return ParseFailure("no JSON object", answer)
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        return ParseFailure('no non-empty "query"', answer)
    query = " ".join(query.split())
    if len(query) > MAX_QUERY_CHARS:
        return ParseFailure(f"query longer than {MAX_QUERY_CHARS} characters", answer)
    return query
