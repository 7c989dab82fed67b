"""Flow runs that end when their body does, not on Prefect's next whole second.

Prefect 3.8 sends a flow run's heartbeats (for finding crashed runs) from a thread that sleeps in
one-second steps, and a synchronous flow run joins that thread once its body has ended: every flow
call returned 0-1 s (0.5 s on average) after its body, on a whole second from its start. ``install``
puts in Prefect's place a heartbeat context whose thread waits on its stop event instead, so the join
returns at once. The heartbeats are Prefect's own: the same events from the engine's own methods, at
the interval Prefect's settings give (none when they turn heartbeats off).

It replaces ``prefect.flow_engine._send_heartbeats`` only where that function, and the engine methods
it uses, are the ones this was written against; with any other Prefect it leaves Prefect's.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import threading
from contextlib import contextmanager
from typing import Any, Iterator

log = logging.getLogger(__name__)
_ENGINE_METHODS = ("heartbeat_seconds", "_build_heartbeat_event_template", "_emit_flow_run_heartbeat")


@contextmanager
def _send_heartbeats(engine: Any, join_on_exit: bool = True) -> Iterator[None]:
    interval = engine.heartbeat_seconds  # Prefect's minimum applied; None: heartbeats are off
    if interval is None:
        yield
        return
    resource, related = engine._build_heartbeat_event_template()
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            state = engine.flow_run.state if engine.flow_run else None
            if state is not None and state.is_final():
                return
            try:
                engine._emit_flow_run_heartbeat(resource, related)
            except Exception:  # noqa: BLE001 - a missed heartbeat must not fail the run
                log.debug("a flow run heartbeat could not be sent", exc_info=True)
            stop.wait(interval)

    # the flow run's context (its settings: the API's address) for the thread, as Prefect does
    thread = threading.Thread(target=contextvars.copy_context().run, args=(beat,), daemon=True,
                              name="flow-run-heartbeats")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        if join_on_exit:
            thread.join(timeout=2)


def install() -> bool:
    """Use these heartbeats in Prefect's flow engine; whether they are used."""
    from prefect import flow_engine

    original = getattr(flow_engine, "_send_heartbeats", None)
    if original is _send_heartbeats:
        return True
    engine_class = getattr(flow_engine, "FlowRunEngine", None)
    if original is None or engine_class is None or not all(hasattr(engine_class, m) for m in _ENGINE_METHODS) \
            or list(inspect.signature(original).parameters) != ["engine", "join_on_exit"]:
        log.debug("Prefect's flow engine is not the one expected; its own heartbeats are kept")
        return False
    flow_engine._send_heartbeats = _send_heartbeats
    return True
