"""One synthesized store shared by the export tests (read only)."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize


@pytest.fixture(scope="module")
def dataset_store(new_store_url_module, offline_model: str, lbi_home, prefect_api: str) -> Iterator[sa.Engine]:
    url = new_store_url_module()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LBI_DATABASE_URL", url)
        patch.setenv("LBI_MODEL_BASE_URL", offline_model)
        patch.setenv("LBI_HOME", str(lbi_home))
        synthesize(SynthesizeParams(max_docs=2, instructions_per_doc=2, max_steps=3))
        engine = sa.create_engine(url)
        yield engine
        engine.dispose()
