"""A live progress line for long runs, read from the store while the flow works."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from rich.console import Console
from rich.live import Live
from rich.text import Text

from lbi.store import runs

_COUNTS = sa.text("""
    SELECT
      (SELECT count(*) FROM lbi.environment_documents WHERE run_id = :r) AS documents,
      (SELECT count(*) FROM lbi.instructions WHERE run_id = :r AND origin = 'self_instruct') AS tasks,
      (SELECT count(*) FROM lbi.trajectories WHERE run_id = :r) AS trajectories,
      (SELECT count(*) FROM lbi.examples WHERE run_id = :r) AS examples,
      (SELECT count(DISTINCT example_id) FROM lbi.verdicts WHERE run_id = :r) AS judged,
      (SELECT llm_calls FROM lbi.runs WHERE id = :r) AS calls,
      (SELECT cache_hits FROM lbi.runs WHERE id = :r) AS cached
""")


def _line(engine: sa.Engine, environment_id: str, since_run_id: int) -> Text:
    with engine.connect() as conn:
        run_id = runs.latest_run_id(conn, environment_id=environment_id, since_id=since_run_id)
        if run_id is None:
            return Text("starting the flow ...", style="dim")
        c = conn.execute(_COUNTS, {"r": run_id}).mappings().one()
    return Text(
        f"run {run_id}: new documents {c['documents']} | tasks {c['tasks']} | trajectories {c['trajectories']}"
        f" | examples {c['examples']} | judged {c['judged']} | model calls {c['calls']} (cached {c['cached']})"
    )


@contextmanager
def live_progress(engine: sa.Engine, environment_id: str, console: Console) -> Iterator[None]:
    with engine.connect() as conn:
        since = runs.last_run_id(conn)
    stop = threading.Event()
    with Live(Text("starting ..."), console=console, refresh_per_second=4, transient=True) as live:
        def poll() -> None:
            while not stop.wait(0.5):
                try:
                    live.update(_line(engine, environment_id, since))
                except Exception as error:  # the store may be briefly unreachable; the flow reports real errors
                    live.update(Text(f"(progress unavailable: {type(error).__name__})", style="dim"))

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
