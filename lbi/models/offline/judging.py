"""The offline judge: heuristic verdicts on the four criteria, each with a specific one-sentence rationale.

Clear-cut findings are fixed; a borderline one is flipped with a small chance
drawn from the judge's own seed (its model name), so two judges sometimes disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from lbi.models.offline.skill import ActionSkill
from lbi.method.criteria import Criterion
from lbi.prompts.render import Turn

FLIP_RATE = 0.3
MAX_REASONABLE_ACTIONS = 6
LONG_INSTRUCTION_CHARS = 240


@dataclass(frozen=True)
class Finding:
    accept: bool
    rationale: str
    flipped: str | None = None  # the rationale when a judge comes down on the other side; None = clear-cut


def judge(instruction: str, turns: list[Turn], skill: ActionSkill, rng: Random) -> dict[str, dict[str, str]]:
    findings = {
        Criterion.ALIGNED: aligned(instruction, turns, skill),
        Criterion.COHERENT: coherent(turns, skill),
        Criterion.NATURAL: natural(instruction, turns, skill),
        Criterion.REASONABLE: reasonable(turns, skill),
    }
    verdicts = {}
    for criterion in Criterion:
        finding = findings[criterion]
        flip = finding.flipped is not None and rng.random() < FLIP_RATE
        accept = finding.accept != flip
        verdicts[criterion] = {"verdict": "yes" if accept else "no",
                               "rationale": finding.flipped if flip else finding.rationale}
    return verdicts


def aligned(instruction: str, turns: list[Turn], skill: ActionSkill) -> Finding:
    if not turns:
        return Finding(False, "The trajectory takes no action, so it achieves nothing the instruction asks.")
    if skill.failed(turns[-1].observation):
        return Finding(False, f"The last action (on {skill.subject(turns[-1].action)}) fails, "
                              "so the span does not achieve the instruction.")
    useful = [t for t in turns if not skill.failed(t.observation)]
    data = [t for t in useful if not skill.is_inspection(t.action)]
    about_structure = skill.asks_about_structure(instruction)
    if not about_structure and not data:
        return Finding(False, f"The span only inspects {skill.subject(useful[-1].action)} "
                              "and never runs a statement that does what the instruction asks.")
    target = useful[-1] if about_structure else data[-1]
    subjects, details = skill.unmentioned(instruction, target.action)
    subject = skill.subject(target.action)
    if subjects:
        return Finding(False, f"The instruction never names {subjects[0]}, which the final statement works on.")
    if details:
        missing = ", ".join(details)
        return Finding(False, f"The instruction leaves out {missing}, which the final statement on {subject} uses.",
                       f"The final statement on {subject} does what is asked, though the instruction omits {missing}.")
    return Finding(True, f"The final statement on {subject} succeeds and does exactly what the instruction asks.")


def coherent(turns: list[Turn], skill: ActionSkill) -> Finding:
    for number, turn in enumerate(turns, start=1):
        if skill.failed(turn.observation):
            return Finding(False, f"Action {number} (on {skill.subject(turn.action)}) fails: the environment "
                                  "does not have what it works on, or refuses it.")
    return Finding(True, f"Each of the {len(turns)} action{'s' * (len(turns) != 1)} follows from what was "
                         "observed before it, with nothing contradictory.")


def natural(instruction: str, turns: list[Turn], skill: ActionSkill) -> Finding:
    if turns and not skill.asks_about_structure(instruction) and all(skill.is_inspection(t.action) for t in turns):
        return Finding(False, "The instruction asks for data, but the span only looks at the schema, "
                              "which is not how a person would answer it.")
    if len(instruction) > LONG_INSTRUCTION_CHARS:
        return Finding(False, "The instruction reads like a script of steps rather than something a person would ask.",
                       "The instruction is long but still a plausible, step-by-step request.")
    topic = instruction[:70].rstrip(" .") + ("..." if len(instruction) > 70 else "")
    return Finding(True, f"The request '{topic}' is a plausible one, and the actions are what a person would type.")


def reasonable(turns: list[Turn], skill: ActionSkill) -> Finding:
    count = len(turns)
    if count > MAX_REASONABLE_ACTIONS:
        return Finding(False, f"The span takes {count} actions, more than the instruction needs.")
    seen: dict[str, int] = {}
    for number, turn in enumerate(turns, start=1):
        action = " ".join(turn.action.split())
        if action in seen and seen[action] < number - 1:
            return Finding(False, f"Action {number} goes back to action {seen[action]}, "
                                  "returning to a state the span had already seen.")
        seen[action] = number
    if count == 1 and skill.is_inspection(turns[0].action):
        return Finding(False, "A single schema look-up is close to trivial.",
                       "A single look-up is simple but a fair, self-contained request.")
    if count >= 5:
        return Finding(True, f"{count} actions is on the long side, but each one is needed.",
                       f"{count} actions is more work than this instruction calls for.")
    return Finding(True, f"{count} action{'s' * (count != 1)} is a fitting amount of work for this instruction.")
