"""An environment the store knows but without accepted examples exports empty data in every format."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lbi.envs import registry
from lbi.export.run import ExportOptions, export
from lbi.export.writers import FORMATS
from lbi.store import documents
from lbi.store.migrate import migrate


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_accepted_example_exports_empty_data(store: sa.Engine, tmp_path: Path, fmt: str) -> None:
    migrate(store)
    with store.begin() as conn:
        documents.upsert_environment(conn, spec=registry.spec("sqlite-chinook-v0"))
    result = export(store, environment_id="sqlite-chinook-v0", fmt=fmt, destination=str(tmp_path),
                    options=ExportOptions(validation_share=0.5))
    assert result.records == result.manifest["records"] == 0
    assert result.manifest["files"] and all(f["bytes"] >= 0 for f in result.manifest["files"])
