"""A flow run ends when its body does, with its heartbeats still sent (lbi/prefect_heartbeats.py)."""

from __future__ import annotations

import time

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.context import get_run_context

import flows  # noqa: F401 - installs the heartbeats, as importing any flow does
from lbi import prefect_heartbeats
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("prefect_api")


@flow
def _short(seconds: float) -> tuple[str, float]:
    time.sleep(seconds)
    return str(get_run_context().flow_run.id), time.perf_counter()


def test_a_flow_call_returns_when_its_body_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefect's own heartbeat thread made each call wait for its next whole second: 0-1 s, at random."""
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30")
    assert prefect_heartbeats.install()
    waits = []
    for body in (0.1, 0.35, 0.6, 0.85, 1.1):
        _, ended = _short(body)
        waits.append(time.perf_counter() - ended)
    assert max(waits) < 0.3, f"seconds from a flow body's end to its call's return: {waits}"


def test_a_flow_run_still_sends_its_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30")
    flow_run_id, _ = _short(0.1)

    def heartbeats() -> int:
        with get_client(sync_client=True) as client:
            response = client.request("POST", "/events/filter", json={"filter": {
                "event": {"name": ["prefect.flow-run.heartbeat"]},
                "resource": {"id": [f"prefect.flow-run.{flow_run_id}"]}}})
            return len(response.json()["events"])
    assert eventually(lambda: heartbeats() >= 1, 30), "the flow run sent no heartbeat"
