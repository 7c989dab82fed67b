"""Answers that break their role's contract are recorded as failed generations, never a crash."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from tests.flows.corrupting_model import PROSE, corrupting

SMALL = SynthesizeParams(max_docs=1, instructions_per_doc=2, max_steps=3, max_span_steps=1)


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_a_judge_that_ignores_the_contract(store: sa.Engine, offline_model: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with corrupting(offline_model, {"offline-judge-b"}) as url:
        monkeypatch.setenv("LBI_MODEL_BASE_URL", url)
        result = synthesize(SMALL)
        retry = synthesize(SMALL)
        rerun = synthesize(SMALL)
    with store.connect() as conn:
        asked = dict(conn.execute(sa.text("SELECT run_id, count(*) FROM lbi.llm_calls WHERE status = 'invalid'"
                                          " GROUP BY run_id")).all())
    totals = result["totals"]
    assert asked == {result["run_id"]: 3 * totals["failed_generations"], retry["run_id"]: asked[result["run_id"]]}, \
        "a failed generation is asked for again by the next run (the retry), not by the one after"
    assert rerun["totals"]["model_calls"] == 0
    assert result["status"] == "completed"
    with store.connect() as conn:
        rows = conn.execute(sa.text("SELECT stage, model, reason, answer FROM lbi.failed_generations")).all()
        judges = conn.execute(sa.text("SELECT DISTINCT judge FROM lbi.verdicts")).scalars().all()
        first_judge_accepted = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT example_id FROM lbi.verdicts GROUP BY example_id"
            " HAVING bool_and(accept)) accepted")).scalar_one()
    assert 0 < first_judge_accepted < totals["examples"]
    assert totals["failed_generations"] == first_judge_accepted, "the second judge, asked where the first accepted"
    assert totals["accepted"] == 0, "under the unanimous policy a judge without a verdict does not accept"
    assert {(r.stage, r.model, r.answer) for r in rows} == {("judge", "offline-judge-b", PROSE)}
    assert all(r.reason == "no JSON object" for r in rows)
    assert judges == ["offline-judge-a"]
    assert asked[result["run_id"]] == 3 * first_judge_accepted, "each broken answer was asked for three times"


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_an_actor_that_ignores_the_contract(store: sa.Engine, offline_model: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with corrupting(offline_model, {"offline-actor"}) as url:
        monkeypatch.setenv("LBI_MODEL_BASE_URL", url)
        result = synthesize(SMALL)
    assert result["status"] == "completed"
    with store.connect() as conn:
        statuses = conn.execute(sa.text("SELECT DISTINCT status, error, n_steps FROM lbi.trajectories")).all()
        failed = conn.execute(sa.text("SELECT count(*) FROM lbi.failed_generations WHERE stage = 'rollout'")).scalar()
    assert statuses == [("errored", "unparseable action: no 'ACTION:' line", 0)]
    assert failed == result["totals"]["trajectories"] > 0
    assert result["totals"]["examples"] == 0
