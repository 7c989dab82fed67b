"""Where model calls go: the configured endpoint, or the offline model started for the run."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from lbi.config import Settings
from lbi.errors import ConfigError


@contextmanager
def model_endpoint(settings: Settings) -> Iterator[str]:
    """The OpenAI-compatible base URL to use while the block runs."""
    if settings.model_base_url:
        refuse_offline_names(settings)
        yield settings.model_base_url
        return
    from lbi.models.offline.server import running

    with running() as base_url:
        yield base_url


def refuse_offline_names(settings: Settings) -> None:
    """A real endpoint with a role still on an offline model's name would fail every call: refuse at once,
    naming the variable to set (unless the endpoint really serves that name, as the offline model does)."""
    offline = settings.offline_model_names()
    if not offline:
        return
    served = _served_models(settings)
    for variable, name in offline.items():
        if name not in served:
            raise ConfigError(f"LBI_MODEL_BASE_URL is {settings.model_base_url} but {variable} is still the "
                              f"offline model's '{name}': set {variable} to a model that endpoint serves")


def _served_models(settings: Settings) -> set[str]:
    import httpx

    try:
        response = httpx.get(settings.model_base_url.rstrip("/") + "/models", timeout=10.0,
                             headers={"Authorization": f"Bearer {settings.model_api_key.get_secret_value()}"})
        return {str(entry.get("id")) for entry in response.json().get("data", []) if isinstance(entry, dict)}
    except (httpx.HTTPError, ValueError, AttributeError):
        return set()
