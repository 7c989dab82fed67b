"""The experiment flow (what the deployment runs): the library's table, stored and published as the
store's own table artifact."""

from __future__ import annotations

import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from flows.experiment import experiment
from lbi.experiment.params import ExperimentParams
from tasks.report import artifact_key


def test_the_flow_stores_and_publishes_the_table(synthesized_store: sa.Engine) -> None:
    report = experiment(ExperimentParams(env="sqlite-chinook-v0", variants=["retrieval-off"], limit=1, max_steps=2))
    assert report["status"] == "completed" and [row["variant"] for row in report["table"]] == ["retrieval-off"]
    with synthesized_store.connect() as conn:
        stored = conn.execute(sa.text("SELECT variant, evaluation_id FROM lbi.experiment_table")).all()
    assert stored == [("retrieval-off", report["table"][0]["evaluation_id"])]
    key = artifact_key("experiment", "sqlite-chinook-v0", engine=synthesized_store)
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=[key])))
    assert f"Experiment {report['experiment_id']} of sqlite-chinook-v0" in artifact.description
    assert '"retrieval-off"' in str(artifact.data)
