"""The real embedding model, loaded once for the session (it takes seconds)."""

from __future__ import annotations

import pytest

from lbi.retrieval.embedders import BundledEmbedder


@pytest.fixture(scope="session")
def embedder() -> BundledEmbedder:
    model = BundledEmbedder()
    model.embed(["warm up"])
    return model
