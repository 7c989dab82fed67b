"""A run's artifacts are posted by a thread of their own: ``drain`` returns once every one posted so far
is stored by Prefect, and one Prefect refuses is logged without stopping the others."""

from __future__ import annotations

import logging
import uuid

import pytest
from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from lbi.report.poster import ArtifactPoster

pytestmark = pytest.mark.usefixtures("prefect_api")


def _stored(keys: list[str]) -> set[str]:
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(any_=keys)))
    return {artifact.key for artifact in found}


def test_drain_returns_once_every_artifact_is_stored_and_a_refused_one_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    tag = uuid.uuid4().hex[:8]
    keys = [f"poster-{tag}-{n}" for n in range(3)]
    poster = ArtifactPoster()

    @flow
    def posting() -> None:
        poster.post(create_table_artifact, key=keys[0], table=[{"n": 0}])
        poster.post(create_table_artifact, key=f"Not A Key {tag}", table=[{"n": 1}])  # upper case and spaces
        for key in keys[1:]:
            poster.post(create_table_artifact, key=key, table=[{"n": key}])
        poster.drain()
        assert _stored(keys) == set(keys)

    with caplog.at_level(logging.WARNING, logger="lbi.report.poster"):
        posting()
    refused = [r.getMessage() for r in caplog.records if r.name == "lbi.report.poster"]
    assert refused == [f"the Prefect artifact Not A Key {tag} could not be posted"]
