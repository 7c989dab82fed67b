"""The OpenAI-compatible embedder, against the offline model's /v1/embeddings over real HTTP."""

from __future__ import annotations

import numpy as np
import pytest

from lbi.config import Settings
from lbi.errors import ConfigError
from lbi.retrieval.embedders import BundledEmbedder, EndpointEmbedder, embedder_for


def test_vectors_come_back_in_order_normalized_and_of_the_asked_size(offline_model: str) -> None:
    embedder = EndpointEmbedder(base_url=offline_model, api_key="offline", model="offline-embedder", dimensions=384,
                                batch_size=2)
    texts = ["albums by AC/DC", "customers in Brazil", "albums recorded by AC/DC", "albums by AC/DC"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (4, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.allclose(vectors[0], vectors[3]), "the same text in another batch gets the same vector"
    assert vectors[0] @ vectors[2] > vectors[0] @ vectors[1]


def test_settings_pick_the_embedder(offline_model: str) -> None:
    assert isinstance(embedder_for(Settings(embedding_base_url=None)), BundledEmbedder)
    chosen = embedder_for(Settings(embedding_base_url=offline_model, embedding_model="offline-embedder"))
    assert isinstance(chosen, EndpointEmbedder) and chosen.name == "offline-embedder"
    assert embedder_for(Settings(embedding_base_url=offline_model, embedding_model="offline-embedder")) is chosen
    with pytest.raises(ConfigError, match="needs LBI_EMBEDDING_BASE_URL"):
        embedder_for(Settings(embedding_model="text-embedding-3-small"))
    with pytest.raises(ConfigError, match="384"):
        embedder_for(Settings(embedding_dimensions=768))
