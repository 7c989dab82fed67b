"""Environments registered by versioned id (``name-v0``) with lazy entry points."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from lbi.envs.base import Environment, EnvSpec
from lbi.errors import UnknownEnvironment


@dataclass(frozen=True)
class Registration:
    id: str
    entry_point: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Callable[..., Environment]:
        module, _, attr = self.entry_point.partition(":")
        return getattr(importlib.import_module(module), attr)


_REGISTRY: dict[str, Registration] = {}


def register(env_id: str, entry_point: str, **kwargs: Any) -> None:
    _REGISTRY[env_id] = Registration(env_id, entry_point, kwargs)


def registered() -> list[str]:
    return sorted(_REGISTRY)


def make(env_id: str, **overrides: Any) -> Environment:
    try:
        registration = _REGISTRY[env_id]
    except KeyError:
        known = ", ".join(registered()) or "none"
        raise UnknownEnvironment(f"no environment '{env_id}' (registered: {known})") from None
    return registration.load()(env_id=env_id, **{**registration.kwargs, **overrides})


def spec(env_id: str) -> EnvSpec:
    with make(env_id) as env:
        return env.spec


register("sqlite-chinook-v0", "lbi.envs.sqlite.env:SqliteEnv", database="chinook")
