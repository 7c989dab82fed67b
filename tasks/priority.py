"""Which waiting model call is sent first when calls of several stages wait for the model's slots.

The stages stream into one another, so their calls wait for the same slots. An
earlier stage's call goes first: everything after it waits for its answer, so it
has the longest way still to go, and work fed in early keeps every slot busy
until the end. Within a stage the lowest id goes first, so units finish one
after another instead of all together at the end.
"""

from __future__ import annotations

from lbi.method.stages import Stage


def call_priority(stage: str, unit_id: int) -> int:
    """Lower is sent first: by stage (in ``Stage`` order), then by the unit's id (chunk, instruction
    or trajectory)."""
    return (Stage(stage).position << 40) + unit_id
