"""Whether a coding example's final diff (the ``diff`` artifact of its last step, exported as
``final_artifacts``: the repository's change against the starting commit) applies to a fresh copy."""

from __future__ import annotations

import base64

from lbi.envs import registry

APPLY_TIMEOUT_S = 30.0


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
