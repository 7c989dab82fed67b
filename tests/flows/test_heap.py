"""During a run the garbage collector scans only the run's own objects: what the process held before
(its imports, ~580,000 objects) is set aside, and handed back at the end."""

from __future__ import annotations

import gc

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def test_collections_during_a_run_leave_the_objects_from_before_it_aside(store: sa.Engine) -> None:
    set_aside: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            set_aside.append(gc.get_freeze_count())

    gc.callbacks.append(seen)
    try:
        result = synthesize(SynthesizeParams(max_docs=1, instructions_per_doc=1, max_steps=2, max_span_steps=1))
    finally:
        gc.callbacks.remove(seen)
    assert result["status"] == "completed"
    assert set_aside and max(set_aside) > 100_000, "the objects from before the run were scanned"
    assert gc.get_freeze_count() == 0, "handed back at the end"
