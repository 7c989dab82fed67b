"""The synthesize stages, streamed: a batch moves on to the next stage as soon as it is done.

No stage waits for another's slowest unit, nor for a gate. Each stage is still
gated once, on everything it produced: its gate runs when the stage is complete
(every stage before it is complete and none of its own batches is pending), on
a thread of its own, while later stages go on with the batches they already
have. A gate that stops the run stops the model client at once: calls waiting
for a slot are dropped, units under way end without another call, and the
gate's error is raised once they have. A spent budget stops new batches: what
is under way ends, and every stage that got work is gated on what it produced.
The source (ingest) runs on a thread of its own too, handing the first stage its
ids as it goes, so the first model calls do not wait for the last document.
"""

from __future__ import annotations

import contextvars
import queue
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from prefect import Task
from prefect.futures import PrefectFuture

from flows.runners import unwalked
from lbi.progress import id_range
from tasks.outcome import Outcome, batches

Gate = Callable[[str, list[int]], Any]
OnBatch = Callable[[str, list[int], Outcome], None]  # (stage, the batch's input ids, its outcome)
Emit = Callable[[list[int]], None]
Produce = Callable[[Emit], list[int]]  # hands ids to ``emit`` as it goes; returns all it produced


@dataclass(frozen=True)
class StreamStage:
    name: str
    task: Task
    extra: tuple[Any, ...] = ()
    passes_input_on: bool = False  # the next stage takes this stage's input ids (judging after labeling)


@dataclass(frozen=True)
class _BatchDone:
    stage: int
    batch: list[int]
    future: PrefectFuture


@dataclass(frozen=True)
class _GateDone:
    future: Future


@dataclass(frozen=True)
class _Emitted:
    ids: list[int]


@dataclass(frozen=True)
class _SourceDone:
    name: str
    future: Future


class Stream:
    def __init__(self, run_id: int, stages: list[StreamStage], *, units_per_task: int, gate: Gate,
                 stop: Callable[[str], None], on_batch: OnBatch | None = None) -> None:
        self._run_id = run_id
        self._stages = stages
        self._size = units_per_task
        self._gate = gate
        self._on_batch = on_batch
        self._stop_calls = stop  # the run's model client stops: waiting calls dropped, no new one
        self._events: queue.SimpleQueue[_BatchDone | _GateDone | _Emitted | _SourceDone] = queue.SimpleQueue()
        self._pending = [0] * len(stages)
        self._seen: list[set[int]] = [set() for _ in stages]
        self._outcomes: list[list[Outcome]] = [[] for _ in stages]
        self._fed = [False] * len(stages)
        self._budget_spent = False
        self._gates_pending = 0
        self._halted = False  # the run is stopping: no gate starts any more
        self._reached = 0  # stages that got work (each gated once complete)
        self._source_done = False
        self._source_unfed: list[int] = []  # emitted, not yet a whole batch
        self._gates: ThreadPoolExecutor | None = None

    def run(self, source: str, ids: list[int]) -> dict[str, Outcome]:
        """Feed ``ids`` (what stage ``source`` produced) to the first stage; every stage's merged outcome."""
        return self.run_from(source, lambda emit: emit(ids) or ids)

    def run_from(self, source: str, produce: Produce) -> dict[str, Outcome]:
        """Run ``produce`` (stage ``source``) on a thread of its own, feeding the first stage what it
        emits; ``source`` is gated on what it returns. Every stage's merged outcome."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality-gate") as gates, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-source") as sources:
            self._gates = gates
            try:
                producing = sources.submit(contextvars.copy_context().run, produce, self._emit)
                producing.add_done_callback(lambda done: self._events.put(_SourceDone(source, done)))
                complete = 0
                while complete < len(self._stages) or self._gates_pending:
                    complete = self._gate_complete_stages(complete)
                    if complete < len(self._stages) or self._gates_pending:
                        self._take(self._events.get())
            except BaseException as error:
                self._halted = True  # a gate already started returns at once; queued ones never start
                gates.shutdown(wait=False, cancel_futures=True)
                self._stop(error)
                raise
        return {stage.name: self._merged(index) for index, stage in enumerate(self._stages[:self._reached])}

    def _gate_complete_stages(self, complete: int) -> int:
        """Gate, in order, each stage that has become complete; returns how many stages are complete."""
        while complete < len(self._stages) and not self._pending[complete] and (complete or self._source_done):
            if not self._fed[complete] and self._budget_spent:
                return len(self._stages)  # the budget ran out before this stage (or any later one) got work
            self._submit_gate(self._stages[complete].name, self._merged(complete).ids)
            complete = self._reached = complete + 1
        return complete

    def _take(self, event: _BatchDone | _GateDone | _Emitted | _SourceDone) -> None:
        if isinstance(event, _GateDone):
            self._gates_pending -= 1
            event.future.result()  # a gate that stops the run raises here
            return
        if isinstance(event, _Emitted):
            self._feed_source(event.ids, whole_batches_only=True)
            return
        if isinstance(event, _SourceDone):
            ids = event.future.result()  # a failing source raises here
            self._feed_source([], whole_batches_only=False)
            self._source_done = self._fed[0] = True
            self._submit_gate(event.name, ids)
            return
        self._pending[event.stage] -= 1
        outcome: Outcome = event.future.result()
        self._outcomes[event.stage].append(outcome)
        if self._on_batch:
            self._on_batch(self._stages[event.stage].name, event.batch, outcome)
        self._budget_spent = self._budget_spent or outcome.budget_message is not None
        if event.stage + 1 < len(self._stages) and not self._budget_spent:
            passed = event.batch if self._stages[event.stage].passes_input_on else outcome.ids
            self._feed(event.stage + 1, passed)

    def _emit(self, ids: list[int]) -> None:
        self._events.put(_Emitted(list(ids)))

    def _feed_source(self, ids: list[int], *, whole_batches_only: bool) -> None:
        """The source's ids to the first stage in whole batches while it runs (as many task runs
        as if it had been fed at once), the rest once it is done."""
        self._source_unfed.extend(ids)
        ready = len(self._source_unfed)
        if whole_batches_only:
            ready -= ready % max(1, self._size)
        if ready and not self._budget_spent:
            self._feed(0, self._source_unfed[:ready])
        del self._source_unfed[:ready]

    def _feed(self, index: int, ids: list[int]) -> None:
        self._fed[index] = True
        seen = self._seen[index]
        new = [i for i in ids if not (i in seen or seen.add(i))]  # two chunks may propose the same task
        stage = self._stages[index]
        for batch in batches(new, self._size):
            named = stage.task.with_options(task_run_name=f"{stage.name}[{id_range(batch)}]")
            future = named.submit(self._run_id, unwalked(batch), *stage.extra)
            self._pending[index] += 1
            future.add_done_callback(lambda done, i=index, b=batch: self._events.put(_BatchDone(i, b, done)))

    def _submit_gate(self, name: str, ids: list[int]) -> None:
        context = contextvars.copy_context()  # the flow run's context, for the gate task
        future = self._gates.submit(context.run, self._gate_unless_halted, name, ids)
        self._gates_pending += 1
        future.add_done_callback(lambda done: self._events.put(_GateDone(done)))

    def _gate_unless_halted(self, name: str, ids: list[int]) -> None:
        if self._halted:
            return
        try:
            self._gate(name, ids)
        except BaseException:
            self._halted = True
            raise

    def outcome(self, name: str) -> Outcome:
        """Stage ``name``'s outcome so far, merged (whole once the stage is complete: when its gate runs)."""
        return self._merged(next(i for i, stage in enumerate(self._stages) if stage.name == name))

    def _merged(self, index: int) -> Outcome:
        outcome = Outcome.merge(self._outcomes[index])
        outcome.ids.sort()
        return outcome

    def _stop(self, error: BaseException) -> None:
        """No more model calls for this run; wait for the units under way (they end at their next call)."""
        self._stop_calls(f"the run is stopping: {error}")
        while any(self._pending):
            event = self._events.get()
            if isinstance(event, _BatchDone):
                self._pending[event.stage] -= 1
