"""The evaluate Prefect flow wraps the same library call."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.evaluate import evaluate
from lbi.evaluation.params import EvaluateParams

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def test_the_flow_evaluates_and_stores(store: sa.Engine) -> None:
    report = evaluate(EvaluateParams(env="sqlite-chinook-v0", mode="replay", limit=3))
    assert report["summary"]["success_rate"] == 1.0 and report["summary"]["tasks"] == 3
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT mode, tasks, success_rate FROM lbi.evaluations")).one() == \
            ("replay", 3, 1.0)
