"""Artifact keys carry the store's identity, so two stores on one Prefect server keep their own; the
export links its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from tasks.report import artifact_key, store_identity


def test_two_stores_have_different_keys_and_one_store_keeps_its_key(new_store_url: Callable[[], str]) -> None:
    first, second = (sa.create_engine(new_store_url()) for _ in range(2))
    again = sa.create_engine(first.url.render_as_string(hide_password=False), pool_size=1)
    try:
        assert artifact_key("synthesis", "sqlite-chinook-v0", engine=first) != \
            artifact_key("synthesis", "sqlite-chinook-v0", engine=second)
        assert store_identity(first) == store_identity(again)
        assert artifact_key("Quality", "verdicts", "web_trac.v0", engine=first) == \
            f"quality-verdicts-web-trac-v0-{store_identity(first)}"
    finally:
        for engine in (first, second, again):
            engine.dispose()


@pytest.mark.usefixtures("lbi_env")
def test_the_export_links_its_manifest(prefect_api: str, store: sa.Engine, tmp_path: Path) -> None:
    from flows.export import ExportParams, export
    from lbi.envs import registry
    from lbi.store import documents
    from lbi.store.migrate import migrate

    migrate(store)
    with store.begin() as conn:
        documents.upsert_environment(conn, spec=registry.spec("sqlite-chinook-v0"))  # known, no example yet
    result = export(ExportParams(env="sqlite-chinook-v0", format="jsonl", to=str(tmp_path / "out")))
    key = artifact_key("export-manifest", "sqlite-chinook-v0", "jsonl", engine=store)
    with get_client(sync_client=True) as client:
        (link,) = client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=[key])))
    manifest = next(Path(p) for p in result["locations"] if p.endswith("manifest.json"))
    assert manifest.resolve().as_uri() in link.data and manifest.is_file()


@pytest.mark.usefixtures("lbi_env")
def test_a_run_s_report_artifacts_are_all_linked_to_its_flow_run(prefect_api: str, store: sa.Engine) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.params import SynthesizeParams
    from flows.synthesize import synthesize

    state = synthesize(SynthesizeParams(max_docs=1, instructions_per_doc=1, max_steps=2), return_state=True)
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    keys = {a.key for a in artifacts}
    suffix = store_identity(store)
    expected = {f"synthesis-sqlite-chinook-v0-{suffix}", f"report-sqlite-chinook-v0-{suffix}",
                f"dataset-report-sqlite-chinook-v0-{suffix}", f"dataset-funnel-sqlite-chinook-v0-{suffix}",
                f"keep-rate-per-criterion-sqlite-chinook-v0-{suffix}", f"span-lengths-sqlite-chinook-v0-{suffix}",
                f"cost-per-accepted-example-sqlite-chinook-v0-{suffix}"}
    assert expected <= keys, f"not linked to the run: {sorted(expected - keys)}"
