"""The committee asks a judge only while its answer can change the decision; asking every judge
changes no decision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.method.committee import decision_settled
from lbi.method.criteria import Criterion
from tests.flows.test_synthesize import SMALL

A, B, C = "judge-a", "judge-b", "judge-c"


@pytest.mark.parametrize(("policy", "known", "settled"), [
    ("unanimous", {}, False),
    ("unanimous", {A: True}, False),
    ("unanimous", {A: False}, True),
    ("unanimous", {A: True, B: True, C: True}, True),
    ("any", {A: False, B: False}, False),
    ("any", {A: True}, True),
    ("majority", {A: True}, False),
    ("majority", {A: True, B: True}, True),
    ("majority", {A: False, B: False}, True),
    ("majority", {A: True, B: False}, False),
])
def test_a_decision_is_settled_when_no_answer_to_come_can_change_it(policy: str, known: dict[str, bool],
                                                                     settled: bool) -> None:
    assert decision_settled(policy, [A, B, C], known) is settled


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_asking_every_judge_afterwards_changes_no_decision(store: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    synthesize(SynthesizeParams(**SMALL))
    with store.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT id, status FROM lbi.examples")).all())
        settled_early = conn.execute(sa.text(
            "SELECT count(*) FROM lbi.examples e WHERE NOT EXISTS"
            " (SELECT 1 FROM lbi.verdicts v WHERE v.example_id = e.id AND v.judge = 'offline-judge-b')")).scalar_one()
    assert settled_early > 0 and "rejected" in statuses.values() and "accepted" in statuses.values()

    monkeypatch.setenv("LBI_COMMITTEE_ASK_ALL", "true")
    second_run = synthesize(SynthesizeParams(**SMALL))["run_id"]
    with store.connect() as conn:
        assert dict(conn.execute(sa.text("SELECT id, status FROM lbi.examples")).all()) == statuses
        verdicts = conn.execute(sa.text("SELECT count(*) FROM lbi.verdicts")).scalar_one()
        paid = conn.execute(sa.text("SELECT model FROM lbi.llm_calls WHERE run_id = :run"),
                            {"run": second_run}).scalars().all()
    assert verdicts == len(statuses) * 2 * len(Criterion), "now every judge rated every example"
    assert 0 < len(paid) <= settled_early and set(paid) == {"offline-judge-b"}, "only the judge not asked before"
