"""What a run has done so far, read from the store while the flow works: the live line of the
interactive CLI, and the lines a flow run logs per batch for the operator."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa
from rich.console import Console
from rich.live import Live
from rich.text import Text

from lbi.method.stages import Stage
from lbi.store import ledger, runs

_COUNTS = sa.text("""
    SELECT
      (SELECT count(*) FROM lbi.environment_documents WHERE run_id = :r) AS documents,
      (SELECT count(*) FROM lbi.instructions WHERE run_id = :r AND origin = 'self_instruct') AS tasks,
      (SELECT count(*) FROM lbi.trajectories WHERE run_id = :r) AS trajectories,
      (SELECT count(*) FROM lbi.examples WHERE run_id = :r) AS examples,
      (SELECT count(DISTINCT example_id) FROM lbi.verdicts WHERE run_id = :r) AS judged,
      (SELECT llm_calls FROM lbi.run_counters WHERE run_id = :r) AS calls,
      (SELECT cache_hits FROM lbi.run_counters WHERE run_id = :r) AS cached
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


# What a stage's batch produced that this run made (the rest was found done by an earlier run).
_MADE_BY_RUN = {
    Stage.SELF_INSTRUCT: "SELECT count(*) FROM lbi.instructions WHERE id = ANY(:ids) AND run_id = :r",
    Stage.ROLLOUT: "SELECT count(*) FROM lbi.trajectories WHERE id = ANY(:ids) AND run_id = :r",
    Stage.BACKWARD: "SELECT count(*) FROM lbi.examples WHERE id = ANY(:ids) AND run_id = :r",
    Stage.JUDGE: "SELECT count(DISTINCT example_id) FROM lbi.verdicts WHERE example_id = ANY(:ids) AND run_id = :r",
}


def id_range(ids: list[int]) -> str:
    return f"{min(ids)}..{max(ids)}" if len(ids) > 1 else f"{ids[0]}" if ids else "none"


@dataclass(frozen=True)
class Calls:
    """A run's model calls as its ledger has them: ``paid`` attempts the model answered (a broken
    answer too), ``failed`` attempts that got no answer, ``cached`` calls answered from the store;
    the tokens of the paid ones. Whichever process (a Dask worker too) made them."""

    paid: int = 0
    failed: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class LedgerMark:
    """How far calls were counted: the run's newest ledger row then, and its cache hits then."""

    last_id: int = 0
    cache_hits: int = 0


_CALLS_SINCE = sa.text("""
    SELECT coalesce(max(id), :after) AS last_id,
           (SELECT cache_hits FROM lbi.run_counters WHERE run_id = :r) AS cache_hits,
           count(*) FILTER (WHERE status <> 'error') AS paid, count(*) FILTER (WHERE status = 'error') AS failed,
           coalesce(sum(prompt_tokens) FILTER (WHERE status <> 'error'), 0) AS prompt_tokens,
           coalesce(sum(completion_tokens) FILTER (WHERE status <> 'error'), 0) AS completion_tokens
    FROM lbi.llm_calls WHERE run_id = :r AND id > :after
""")


def calls_since(conn: sa.Connection, run_id: int, mark: LedgerMark) -> tuple[Calls, LedgerMark]:
    """The run's calls since ``mark``, and the mark to count the next ones from."""
    row = conn.execute(_CALLS_SINCE, {"r": run_id, "after": mark.last_id}).mappings().one()
    calls = Calls(row["paid"], row["failed"], row["cache_hits"] - mark.cache_hits, row["prompt_tokens"],
                  row["completion_tokens"])
    return calls, LedgerMark(row["last_id"], row["cache_hits"])


def calls_line(calls: Calls) -> str:
    return (f"{calls.paid} paid, {calls.cached} cached, {calls.failed} failed"
            f" ({calls.prompt_tokens} prompt + {calls.completion_tokens} completion tokens)")


def budget_line(conn: sa.Connection, run_id: int) -> str:
    calls, max_calls, tokens, max_tokens = ledger.budget_state(conn, run_id=run_id)
    left = [f"{max_calls - calls} of {max_calls} calls" if max_calls is not None else "calls unlimited",
            f"{max_tokens - tokens} of {max_tokens} tokens" if max_tokens is not None else "tokens unlimited"]
    return f"budget left: {', '.join(left)}"


def batch_line(engine: sa.Engine, *, run_id: int, stage: str, units: list[int], produced: list[int],
               errored: int, since: LedgerMark) -> tuple[str, LedgerMark]:
    """One line per finished batch: what it covered, what was new, what it cost since ``since`` (the
    previous line's mark), and what is left; with the mark for the next line."""
    with engine.connect() as conn:
        made = conn.execute(sa.text(_MADE_BY_RUN[stage]), {"ids": produced, "r": run_id}).scalar() \
            if stage in _MADE_BY_RUN else None
        calls, mark = calls_since(conn, run_id, since)
        budget = budget_line(conn, run_id)
    outputs = (f"{len(produced)} out ({made} new, {len(produced) - made} already done)" if made is not None
               else f"{len(produced)} out")
    return (f"{stage} batch {id_range(units)}: {len(units)} units in, {outputs}, {errored} errored;"
            f" model calls since the last batch: {calls_line(calls)}; {budget}", mark)
