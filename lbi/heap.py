"""The interpreter's garbage collector during a run.

A full collection scans every object the process holds and stops every thread meanwhile. The pipeline's
process holds ~580,000 objects before a run starts (Prefect, Great Expectations, SQLAlchemy and the rest,
imported), so each full collection stopped the run for 0.34-0.55 s, two or three times in a C = 64 run: no
model call was sent and no answer was read meanwhile. Objects that exist when the run starts are set aside for
the run (``gc.freeze``), so collections scan only what the run itself made (26-69 ms); at its end they are
handed back, so garbage made before the run is still collected later.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def run_objects_only() -> Iterator[None]:
    """Collections inside the block scan only objects made inside it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
