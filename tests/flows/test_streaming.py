"""Streamed stages, with small stages of our own in a real Prefect flow: a batch moves on as soon
as it is done, each stage is gated once when it is complete, and a gate that stops the run stops
the calls, the later gates and the stream."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.streaming import Emit, Produce, StreamStage, Stream
from tasks.outcome import Outcome

pytestmark = pytest.mark.usefixtures("prefect_api")

_log: list[tuple[str, str, tuple[int, ...], float]] = []  # (event, stage, ids, when)
_lock = threading.Lock()


def _note(event: str, stage: str, ids: list[int]) -> None:
    with _lock:
        _log.append((event, stage, tuple(ids), time.monotonic()))


@task(cache_policy=NONE)
def split(run_id: int, ids: list[int], slow: tuple[int, ...], budget_at: int | None) -> Outcome:
    """Each id i becomes 10i and 10i + 1; a batch holding a ``slow`` id takes a second."""
    _note("start", "split", ids)
    if any(i in slow for i in ids):
        time.sleep(1.0)
    _note("end", "split", ids)
    if budget_at in ids:
        return Outcome(ids=[10 * i for i in ids], budget_message="budget reached")
    return Outcome(ids=[n for i in ids for n in (10 * i, 10 * i + 1)])


@task(cache_policy=NONE)
def same_answer(run_id: int, ids: list[int]) -> Outcome:
    """Every id becomes 7 (two batches produce the same id)."""
    return Outcome(ids=[7])


@task(cache_policy=NONE)
def echo(run_id: int, ids: list[int]) -> Outcome:
    _note("start", "echo", ids)
    time.sleep(0.2)
    _note("end", "echo", ids)
    return Outcome(ids=list(ids))


def _stream(stages: list[StreamStage], source_ids: list[int] | Produce, *, units: int = 2,
            failing_gate: str | None = None, gate_seconds: float = 0.0) -> tuple[dict[str, Any], list[tuple[str, list[int]]], list[str]]:
    """Run a stream in a flow: (its outcomes or error, the gates called, the stop reasons)."""
    gates: list[tuple[str, list[int]]] = []
    stops: list[str] = []

    def gate(name: str, ids: list[int]) -> None:
        gates.append((name, ids))
        _note("gate", name, ids)
        time.sleep(gate_seconds)
        if name == failing_gate:
            raise RuntimeError(f"gate {name} stopped the run")

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
    def streamed() -> dict[str, Any]:
        stream = Stream(1, stages, units_per_task=units, gate=gate, stop=stops.append)
        try:
            if callable(source_ids):
                return {"outcomes": stream.run_from("source", source_ids)}
            return {"outcomes": stream.run("source", source_ids)}
        except RuntimeError as error:
            return {"error": str(error)}

    _log.clear()
    return streamed(), gates, stops


def _times(event: str, stage: str) -> dict[tuple[int, ...], float]:
    return {ids: when for e, s, ids, when in _log if e == event and s == stage}


def test_a_batch_moves_on_before_its_stage_is_complete_and_each_stage_is_gated_once_complete() -> None:
    result, gates, stops = _stream([StreamStage("split", split, ((5,), None)), StreamStage("echo", echo)], [1, 2, 3, 4, 5, 6])
    outcomes = result["outcomes"]
    produced = [10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61]
    assert outcomes["split"].ids == produced and outcomes["echo"].ids == produced
    assert gates == [("source", [1, 2, 3, 4, 5, 6]), ("split", produced), ("echo", produced)]
    split_ends, echo_starts = _times("end", "split"), _times("start", "echo")
    assert min(echo_starts.values()) < split_ends[(5, 6)], "echo waited for the slow split batch"
    gate_times = _times("gate", "split")
    assert gate_times[tuple(produced)] >= max(split_ends.values()), "split was gated before it was complete"
    assert stops == []


def test_a_gate_that_stops_the_run_stops_the_calls_and_no_later_gate_runs() -> None:
    result, gates, stops = _stream([StreamStage("split", split, ((5,), None)), StreamStage("echo", echo)], [1, 2, 3, 4, 5, 6],
                                   failing_gate="split")
    assert result == {"error": "gate split stopped the run"}
    assert [name for name, _ in gates] == ["source", "split"]
    assert stops == ["the run is stopping: gate split stopped the run"]
    assert len(_times("end", "echo")) == len(_times("start", "echo")), "the stream ended before its batches"


def test_no_gate_queued_behind_a_stopping_gate_runs() -> None:
    result, gates, _ = _stream([StreamStage("split", split, ((), None)), StreamStage("echo", echo)], [1, 2],
                               failing_gate="source", gate_seconds=1.0)
    assert result == {"error": "gate source stopped the run"}
    assert _times("end", "split"), "split finished (and its gate was queued) while the source gate ran"
    assert [name for name, _ in gates] == ["source"]


def test_a_spent_budget_feeds_no_later_stage() -> None:
    result, gates, _ = _stream([StreamStage("split", split, ((), 1)), StreamStage("echo", echo)], [1, 2])
    assert list(result["outcomes"]) == ["split"]
    assert result["outcomes"]["split"].budget_message == "budget reached"
    assert gates == [("source", [1, 2]), ("split", [10, 20])]
    assert _times("start", "echo") == {}


def test_an_id_reaches_a_stage_once_however_many_batches_produce_it() -> None:
    result, gates, _ = _stream([StreamStage("same", same_answer), StreamStage("echo", echo)], [1, 1, 2], units=1)
    assert result["outcomes"]["same"].ids == [7] and result["outcomes"]["echo"].ids == [7]
    assert list(_times("start", "echo")) == [(7,)]


def test_the_next_stage_can_take_a_batch_s_input_instead_of_its_output() -> None:
    result, _, _ = _stream([StreamStage("split", split, ((), None), passes_input_on=True), StreamStage("echo", echo)], [1, 2, 3])
    assert result["outcomes"]["echo"].ids == [1, 2, 3]


def _slow_source(emit: Emit) -> list[int]:
    emit([1, 2])
    time.sleep(1.0)
    _note("end", "source", [1, 2, 3])
    emit([3])
    return [1, 2, 3]


def test_the_first_stage_starts_on_what_the_source_emitted_before_the_source_is_done() -> None:
    result, gates, stops = _stream([StreamStage("echo", echo)], _slow_source)
    assert result["outcomes"]["echo"].ids == [1, 2, 3]
    assert _times("start", "echo")[(1, 2)] < _times("end", "source")[(1, 2, 3)], "echo waited for the whole source"
    assert gates == [("source", [1, 2, 3]), ("echo", [1, 2, 3])]
    assert _times("gate", "source")[(1, 2, 3)] >= _times("end", "source")[(1, 2, 3)]
    assert stops == []


def test_a_failing_source_stops_the_stream_once_the_batches_under_way_end() -> None:
    def broken(emit: Emit) -> list[int]:
        emit([1, 2])
        time.sleep(0.05)
        raise RuntimeError("the source broke")

    result, gates, stops = _stream([StreamStage("echo", echo)], broken)
    assert result == {"error": "the source broke"}
    assert gates == [] and stops == ["the run is stopping: the source broke"]
    assert len(_times("end", "echo")) == len(_times("start", "echo")) == 1


def test_what_the_source_emits_reaches_the_first_stage_in_whole_batches() -> None:
    def piecemeal(emit: Emit) -> list[int]:
        for ids in ([1], [2, 3], [4], [5]):
            emit(ids)
        return [1, 2, 3, 4, 5]

    result, _, _ = _stream([StreamStage("echo", echo)], piecemeal, units=2)
    assert result["outcomes"]["echo"].ids == [1, 2, 3, 4, 5]
    assert set(_times("start", "echo")) == {(1, 2), (3, 4), (5,)}
