"""Where model calls go: the configured endpoint, or the offline model started for the run."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from lbi.config import Settings


@contextmanager
def model_endpoint(settings: Settings) -> Iterator[str]:
    """The OpenAI-compatible base URL to use while the block runs."""
    if settings.model_base_url:
        yield settings.model_base_url
        return
    from lbi.models.offline.server import running

    with running() as base_url:
        yield base_url
