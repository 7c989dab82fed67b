"""The OpenAI-compatible embedder, against the offline model's /v1/embeddings over real HTTP."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from lbi.config import Settings
from lbi.errors import ConfigError, ModelError
from lbi.retrieval.embedders import BundledEmbedder, EndpointEmbedder, embedder_for
from tests.local_server import JsonHandler, serving


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


def _base64(*numbers: float) -> str:
    return base64.b64encode(np.asarray(numbers, dtype="<f4").tobytes()).decode()


class _Embeddings(JsonHandler):
    """Answers /v1/embeddings with the body named by the first input text; keeps the requests."""

    requests: list[dict] = []
    BODIES = {
        "base64": json.dumps({"data": [{"index": 0, "embedding": _base64(3.0, 0.0, 4.0)}]}).encode(),
        "numbers, whatever was asked": b"{\"data\": [{\"index\": 0, \"embedding\": [3.0, 0.0, 4.0]}]}",
        "not json": b"{\"data\": [",
        "no data": b"{\"object\": \"list\"}",
        "an index missing": b"{\"data\": [{\"index\": 1, \"embedding\": [1.0, 0.0, 0.0]}]}",
        "words": b"{\"data\": [{\"index\": 0, \"embedding\": [\"one\", \"two\", \"three\"]}]}",
        "too short": b"{\"data\": [{\"index\": 0, \"embedding\": [1.0, 0.0]}]}",
        "base64 too short": json.dumps({"data": [{"index": 0, "embedding": _base64(1.0, 0.0)}]}).encode(),
        "base64 of no float32s": b"{\"data\": [{\"index\": 0, \"embedding\": \"AAAAAAA=\"}]}",
        "not base64": b"{\"data\": [{\"index\": 0, \"embedding\": \"not base64!\"}]}",
    }

    def do_POST(self) -> None:  # noqa: N802 - the http.server interface
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(request)
        self.send_json(200, self.BODIES[request["input"][0]])


@pytest.mark.parametrize("body", ["base64", "numbers, whatever was asked"])
def test_it_asks_for_base64_and_reads_numbers_too(body: str) -> None:
    with serving(_Embeddings) as url:
        vector = EndpointEmbedder(base_url=url, api_key="offline", model="any", dimensions=3).embed([body])
    assert _Embeddings.requests[-1]["encoding_format"] == "base64"
    assert np.allclose(vector, [[0.6, 0.0, 0.8]])


@pytest.mark.parametrize("body, named", [
    ("not json", "not 1 embeddings"), ("no data", "not 1 embeddings"), ("an index missing", "indexed 0..0"),
    ("words", "not 1 embeddings"), ("too short", r"shape \(1, 2\), expected \(1, 3\)"),
    ("base64 too short", r"shape \(1, 2\), expected \(1, 3\)"), ("base64 of no float32s", "not 1 embeddings"),
    ("not base64", "not 1 embeddings"),
])
def test_a_body_that_is_not_the_embeddings_asked_for_is_a_model_error(body: str, named: str) -> None:
    with serving(_Embeddings) as url:
        embedder = EndpointEmbedder(base_url=url, api_key="offline", model="broken", dimensions=3)
        with pytest.raises(ModelError, match=f"embedding model 'broken' .*{named}"):
            embedder.embed([body])
