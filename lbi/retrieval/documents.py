"""What retrieval keeps of an accepted example: the text it searches, embeds and shows."""

from __future__ import annotations

from dataclasses import dataclass

from lbi.prompts.references import render_example
from lbi.prompts.render import Turn

OBSERVATIONS_CHARS = 8000  # of the span's observations, for the observation-based side
EMBEDDED_CHARS = 2000  # the embedder reads the first few hundred tokens anyway


@dataclass(frozen=True)
class ExampleDocument:
    example_id: int
    environment_id: str
    instruction: str
    actions: str
    observations: str
    reference: str

    @property
    def embedded_text(self) -> str:
        return f"{self.instruction}\n{self.actions}"[:EMBEDDED_CHARS]


def example_document(*, example_id: int, environment_id: str, instruction: str, start_observation: str,
                     turns: list[Turn]) -> ExampleDocument:
    """``start_observation`` is what the agent saw before the span's first action."""
    observations = "\n".join([start_observation, *(t.observation for t in turns)])
    return ExampleDocument(
        example_id=example_id,
        environment_id=environment_id,
        instruction=" ".join(instruction.split()),
        actions="\n".join(t.action for t in turns),
        observations=observations[:OBSERVATIONS_CHARS],
        reference=render_example(instruction, turns),
    )
