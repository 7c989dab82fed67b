"""The change a coding trajectory made, for exports: each example's final diff beside its steps.

Steps store what the model saw, not the repository; the diff is recovered by replaying the trajectory's actions
in a fresh episode (once per trajectory) and taking the diff after each step. An example spanning steps i..j has
``diffs[j]`` as its final diff (what the repository holds after its last step, against the starting commit),
which applies to a fresh copy; ``git diff`` between the states after steps i-1 and j would be the span's own part.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from lbi.envs import registry
from lbi.envs.coding.env import CodingEnv

APPLY_TIMEOUT_S = 30.0


def diffs_after_each_step(env_id: str, actions: Sequence[str], **overrides: object) -> list[str]:
    """The episode's diff after each of ``actions`` (replayed from a fresh copy), one per action."""
    with registry.make(env_id, **overrides) as env:
        assert isinstance(env, CodingEnv), f"{env_id} is not a python-repo environment"
        env.reset()
        diffs = []
        for action in actions:
            env.step(action)
            diffs.append(env.diff())
        return diffs


def applies_to_fresh_copy(env_id: str, diff: str, **overrides: object) -> bool:
    """Whether ``git apply`` takes ``diff`` on a fresh copy of the environment's repository."""
    if not diff.strip():
        return True
    payload = base64.b64encode(diff.encode()).decode()
    with registry.make(env_id, **overrides) as env:
        env.reset()
        result = env.run_after(f"echo {payload} | base64 -d > /tmp/.lbi-change.diff && "
                               "git apply --check /tmp/.lbi-change.diff", APPLY_TIMEOUT_S)
        return result.ok
