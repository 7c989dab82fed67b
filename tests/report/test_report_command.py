"""`lbi report`: an HTML page with the four figures, and the same figures as Prefect artifacts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey
from typer.testing import CliRunner

from lbi.cli import app
from tasks.report import store_identity

runner = CliRunner()
FIGURES = ("From documents to accepted examples", "Keep rate per criterion", "Span length",
           "Cost per accepted example")


def _latest_artifacts(keys: list[str]) -> dict[str, object]:
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=keys)))
    return {a.key: a.data for a in found}


@pytest.mark.usefixtures("prefect_api")
def test_the_report_draws_the_dataset_and_publishes_the_figures(synthesized_store: sa.Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--env", "sqlite-chinook-v0", "--out", str(tmp_path), "--artifacts"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "index.html").read_text()
    with synthesized_store.connect() as conn:
        funnel = dict(conn.execute(sa.text("SELECT stage, items FROM lbi.dataset_funnel")).all())
    assert all(title in page for title in FIGURES)
    assert page.count("<svg") == 5, "funnel, criteria, judges, span lengths, cost per run"
    assert f"<b>{funnel['accepted']}</b><span>accepted examples</span>" in page
    for stage, items in funnel.items():
        assert f"<title>{stage}: {items:,}</title>" in page, stage

    keys = re.search(r"Prefect artifacts: (.*)", " ".join(result.output.split())).group(1).split(", ")
    funnel_key, report_key = (f"{name}-sqlite-chinook-v0-{store_identity(synthesized_store)}"
                              for name in ("dataset-funnel", "dataset-report"))
    assert funnel_key in keys and report_key in keys
    published = _latest_artifacts(keys)
    assert set(published) == set(keys)
    assert {r["stage"]: r["rows"] for r in json.loads(published[funnel_key])} == funnel
    assert "█" in published[report_key]


@pytest.mark.usefixtures("lbi_env")
def test_an_empty_store_still_gets_a_report(store: sa.Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--out", str(tmp_path), "--no-artifacts"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "index.html").read_text()
    assert "No verdicts yet" in page and "No run has newly accepted examples yet" in page and "<b>0</b>" in page
