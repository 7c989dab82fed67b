"""One synthesized store per export test module (read only): a copy of the session's synthesized run."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from lbi.store import embedded
from tests.quality.synthesized import copy_of, synthesized_db  # noqa: F401


@pytest.fixture(scope="module")
def dataset_store(synthesized_db: str, pg_info: embedded.PostmasterInfo, offline_model: str, lbi_home,  # noqa: F811
                  prefect_api: str) -> Iterator[sa.Engine]:
    """A copy of the session's synthesized run (tests/quality/synthesized.py) for this module."""
    url = copy_of(synthesized_db, pg_info)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LBI_DATABASE_URL", url)
        patch.setenv("LBI_MODEL_BASE_URL", offline_model)
        patch.setenv("LBI_HOME", str(lbi_home))
        engine = sa.create_engine(url)
        yield engine
        engine.dispose()
