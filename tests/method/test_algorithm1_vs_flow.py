"""The literal Algorithm 1 and the synthesize flow keep the same examples on the same workload
(same documents, same offline model, same parameters)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.config import Settings
from lbi.envs import registry
from lbi.method.algorithm1 import Algorithm1Params, run_algorithm1
from lbi.models.client import ModelClient

WORKLOAD = SynthesizeParams(max_docs=2, instructions_per_doc=2, max_steps=3, max_span_steps=2)

Decided = tuple[str, tuple[str, ...], bool]  # (instruction, actions, accepted)


def flow_examples(engine: sa.Engine) -> set[Decided]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT i.text, array_agg(s.action ORDER BY s.idx), e.status = 'accepted'
            FROM lbi.examples e
            JOIN lbi.instructions i ON i.id = e.instruction_id
            JOIN lbi.steps s ON s.trajectory_id = e.trajectory_id AND s.idx BETWEEN e.start_step AND e.end_step
                            AND NOT s.repeats_previous
            GROUP BY e.id, i.text, e.status
        """)).all()
    return {(instruction, tuple(actions), accepted) for instruction, actions, accepted in rows}


def literal_examples(database_url: str, model_url: str) -> set[Decided]:
    settings, spec = Settings(), registry.spec(WORKLOAD.env)
    params = Algorithm1Params(
        generator_model=settings.generator_model, actor_model=settings.actor_model, committee=settings.committee,
        policy=settings.committee_policy, instructions_per_doc=WORKLOAD.instructions_per_doc,
        max_steps=WORKLOAD.max_steps, max_span_steps=WORKLOAD.max_span_steps, chunk_chars=WORKLOAD.chunk_chars,
        max_docs=WORKLOAD.max_docs,
    )
    engine = sa.create_engine(database_url)  # a store of its own: no answer comes from the flow's cache
    client = ModelClient(engine=engine, base_url=model_url, api_key="offline", run_id=None)
    try:
        result = run_algorithm1(client, spec, [Path(p) for p in spec.docs], params)
    finally:
        client.close()
        engine.dispose()
    return {(e.instruction, e.actions, e.accepted) for e in result.examples}


@pytest.mark.usefixtures("prefect_api", "lbi_env")
def test_the_literal_algorithm_and_the_flow_accept_the_same_examples(
        store: sa.Engine, new_store_url: Callable[[], str], offline_model: str) -> None:
    assert synthesize(WORKLOAD)["status"] == "completed"
    by_flow = flow_examples(store)
    literal = literal_examples(new_store_url(), offline_model)
    accepted = {(i, a) for i, a, ok in by_flow if ok}
    assert accepted and len(accepted) < len(by_flow), "the committee kept some examples and dropped others"
    assert {(i, a) for i, a, ok in literal if ok} == accepted
    assert literal == by_flow
