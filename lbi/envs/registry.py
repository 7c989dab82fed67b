"""Environments registered by versioned id (``name-v0``) with lazy entry points.

Built-in environments are registered below, in code: they need no database.
Any other id is asked of the loaders, by default the one for environments
users registered in the store (``lbi env add``, lbi/envs/user.py). A loader is
named by a dotted path and imported on first use, so this module imports
nothing but the contract and the store never imports it back.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from lbi.envs.base import Environment, EnvSpec
from lbi.errors import LbiError, UnknownEnvironment


@dataclass(frozen=True)
class Registration:
    id: str
    entry_point: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Callable[..., Environment]:
        return _resolve(self.entry_point)


class Loader(Protocol):
    """Finds registrations the code does not hold (user environments in the store)."""

    def find(self, env_id: str) -> Registration | None: ...

    def ids(self) -> list[str]: ...


DEFAULT_LOADERS = ("lbi.envs.user:StoreLoader",)
_REGISTRY: dict[str, Registration] = {}
_loaders: list[Loader] | None = None


def _resolve(entry_point: str) -> Any:
    module, _, attr = entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


def register(env_id: str, entry_point: str, **kwargs: Any) -> None:
    _REGISTRY[env_id] = Registration(env_id, entry_point, kwargs)


def is_builtin(env_id: str) -> bool:
    return env_id in _REGISTRY


def builtin() -> list[str]:
    """The ids registered in code (no store needed)."""
    return sorted(_REGISTRY)


def set_loaders(loaders: list[Loader] | None) -> None:
    """Replace the loaders (None restores the defaults, made on first use)."""
    global _loaders
    _loaders = loaders


def loaders() -> list[Loader]:
    global _loaders
    if _loaders is None:
        _loaders = [_resolve(path)() for path in DEFAULT_LOADERS]
    return _loaders


def registered() -> list[str]:
    """Built-in ids, then the loaders' (user environments)."""
    stored = {env_id for loader in loaders() for env_id in loader.ids()} - set(_REGISTRY)
    return builtin() + sorted(stored)


def find(env_id: str) -> Registration:
    if env_id in _REGISTRY:
        return _REGISTRY[env_id]
    problems = []
    for loader in loaders():
        try:
            registration = loader.find(env_id)
        except LbiError as error:
            problems.append(str(error))
            continue
        if registration is not None:
            return registration
    known = ", ".join(sorted(_REGISTRY))
    note = f"; user environments could not be looked up: {'; '.join(problems)}" if problems else ""
    raise UnknownEnvironment(f"no environment '{env_id}' (built in: {known}; `lbi envs` lists all){note}")


def make(env_id: str, **overrides: Any) -> Environment:
    registration = find(env_id)
    return registration.load()(env_id=env_id, **{**registration.kwargs, **overrides})


def spec(env_id: str) -> EnvSpec:
    with make(env_id) as env:
        return env.spec


register("sqlite-chinook-v0", "lbi.envs.sqlite.env:SqliteEnv", database="chinook")
register("shell-project-v0", "lbi.envs.shell.env:ShellEnv", tree="project")
