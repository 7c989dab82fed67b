"""How trajectories and histories are shown to models (one format for every role)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """One step: the action taken and the observation it produced."""

    action: str
    observation: str


def render_turns(turns: list[Turn]) -> str:
    lines = []
    for number, turn in enumerate(turns, start=1):
        lines.append(f"Action {number}:\n{turn.action}")
        lines.append(f"Observation {number}:\n{turn.observation}")
    return "\n\n".join(lines)


def render_trajectory(initial_observation: str, turns: list[Turn]) -> str:
    return "\n\n".join([f"Initial observation:\n{initial_observation}", *([render_turns(turns)] if turns else [])])
