"""What every stage task returns: the ids it produced, and why it stopped short if it did."""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import wait
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import psycopg
import sqlalchemy as sa

from lbi.elastic_threads import ElasticThreadPool
from lbi.errors import BudgetExhausted, ModelError, RunStopped, StoreError
from lbi.retrieval.documents import ExampleDocument

log = logging.getLogger(__name__)
T = TypeVar("T")

# Every batch's units, and their items, run on this pool's threads, reused from one batch to the next
# (a pool of fresh threads per batch and per trajectory made thousands of threads a run). It has no
# cap, so a unit waiting on its own items cannot starve them; a thread idle for a while ends.
_threads = ElasticThreadPool("lbi-unit")


@dataclass
class Outcome:
    ids: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    budget_message: str | None = None
    unpublished: list[ExampleDocument] = field(default_factory=list)  # judging: vectors stored, documents not
    unembedded: list[int] = field(default_factory=list)  # judging: decided, vectors not stored yet

    @classmethod
    def merge(cls, outcomes: list["Outcome"]) -> "Outcome":
        merged, seen = cls(), set()
        for outcome in outcomes:
            merged.ids.extend(i for i in outcome.ids if not (i in seen or seen.add(i)))
            merged.failures.extend(outcome.failures)
            merged.budget_message = merged.budget_message or outcome.budget_message
            merged.unpublished.extend(outcome.unpublished)
            merged.unembedded.extend(outcome.unembedded)
        return merged


def guarded(subject: str, work: Callable[[], list[int]], *, attempts: int = 4) -> Outcome:
    """Run one unit of stage work; a spent budget or any failure stops only this unit, and a
    stopping run ends it quietly (what it stored stays, and a rerun resumes it).

    A transaction that lost a deadlock with another writer is rolled back whole,
    so the unit is simply run again.
    """
    for attempt in range(1, attempts + 1):
        try:
            return Outcome(ids=work())
        except BudgetExhausted as error:
            return Outcome(budget_message=str(error))
        except RunStopped:
            return Outcome()
        except ModelError as error:
            log.warning("%s: %s", subject, error)
            return Outcome(failures=[f"{subject}: {error}"])
        except sa.exc.OperationalError as error:
            if isinstance(error.orig, psycopg.errors.TransactionRollback) and attempt < attempts:
                time.sleep(random.uniform(0.01, 0.1) * attempt)
                continue
            raise StoreError(f"lost the store while working on {subject}: {_first_line(error)}") from error
        except sa.exc.InterfaceError as error:
            raise StoreError(f"lost the store while working on {subject}: {_first_line(error)}") from error
        except Exception as error:  # one broken unit must not sink the others; the run reports it as failed
            log.exception("%s failed", subject)
            return Outcome(failures=[f"{subject}: {type(error).__name__}: {error}"])
    raise AssertionError("unreachable")


def guarded_read(subject: str, read: Callable[[], T]) -> T | Outcome:
    """What ``read()`` returns (a batch's rows, read once for all its units), or, when it fails, the
    Outcome ``guarded`` makes of the failure (a lost store still raises)."""
    value: list[T] = []
    outcome = guarded(subject, lambda: value.append(read()) or [])
    return value[0] if value else outcome


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def for_each(items: list[T], work: Callable[[T], list[int]], *, subject: Callable[[T], str],
             workers: int) -> Outcome:
    """Run ``work`` over items on a few threads (the model client bounds real concurrency)."""
    return _side_by_side(items, lambda item: guarded(subject(item), lambda: work(item)), workers)


def for_units(ids: list[int], unit: Callable[[int], Outcome]) -> Outcome:
    """One task's batch of units (each guarded on its own), run side by side; outcomes in ``ids`` order."""
    return _side_by_side(ids, unit, len(ids))


def _side_by_side(items: list[T], run: Callable[[T], Outcome], workers: int) -> Outcome:
    """``run`` over ``items``, at most ``workers`` at once; waits for all of them, then merges in order."""
    if len(items) <= 1:
        return Outcome.merge([run(item) for item in items])
    slots = threading.BoundedSemaphore(max(1, workers))

    def bounded(item: T) -> Outcome:
        with slots:
            return run(item)

    futures = [_threads.submit(bounded, item) for item in items]
    wait(futures)
    return Outcome.merge([future.result() for future in futures])


def batches(ids: list[int], size: int) -> list[list[int]]:
    """``ids`` in consecutive batches of at most ``size``: one Prefect task run per batch."""
    return [ids[start:start + size] for start in range(0, len(ids), max(1, size))]
