"""Environments registered by versioned id (``name-v0``), each with its whole spec declared up front.

Built-in environments are declared by their families (``ENVIRONMENTS`` in each
family's ``family.py``). Any other id is asked of the loaders, by default the
one for environments users registered in the store (``lbi env add``,
lbi/envs/user.py). Reading a spec starts nothing; ``make`` builds the family's
environment class with the spec's arguments.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from lbi.envs import families
from lbi.envs.base import Environment, EnvSpec
from lbi.errors import LbiError, UnknownEnvironment


class Loader(Protocol):
    """Finds specs the code does not hold (user environments in the store)."""

    def find(self, env_id: str) -> EnvSpec | None: ...

    def ids(self) -> list[str]: ...


DEFAULT_LOADERS = ("lbi.envs.user:StoreLoader",)
_REGISTRY: dict[str, EnvSpec] = {}
_loaders: list[Loader] | None = None
_builtin_loaded = False


def register(spec: EnvSpec) -> None:
    """Declare an environment; its family must be registered (lbi.envs.families)."""
    families.family(spec.family)
    _REGISTRY[spec.id] = spec


def unregister(env_id: str) -> None:
    _REGISTRY.pop(env_id, None)


def _builtin() -> dict[str, EnvSpec]:
    global _builtin_loaded
    if not _builtin_loaded:
        _builtin_loaded = True
        for module in families.BUILTIN:
            for spec in families.resolve(f"{module}:ENVIRONMENTS"):
                _REGISTRY.setdefault(spec.id, spec)
    return _REGISTRY


def is_builtin(env_id: str) -> bool:
    return env_id in _builtin()


def builtin() -> list[str]:
    """The ids registered in code (no store needed)."""
    return sorted(_builtin())


def set_loaders(loaders: list[Loader] | None) -> None:
    """Replace the loaders (None restores the defaults, made on first use)."""
    global _loaders
    _loaders = loaders


def loaders() -> list[Loader]:
    global _loaders
    if _loaders is None:
        _loaders = [families.resolve(path)() for path in DEFAULT_LOADERS]
    return _loaders


def registered() -> list[str]:
    """Built-in ids, then the loaders' (user environments)."""
    stored = {env_id for loader in loaders() for env_id in loader.ids()} - set(_builtin())
    return builtin() + sorted(stored)


def spec(env_id: str) -> EnvSpec:
    """The environment's declared spec; nothing is built or started."""
    if env_id in _builtin():
        return _REGISTRY[env_id]
    problems = []
    for loader in loaders():
        try:
            found = loader.find(env_id)
        except LbiError as error:
            problems.append(str(error))
            continue
        if found is not None:
            return found
    known = ", ".join(builtin())
    note = f"; user environments could not be looked up: {'; '.join(problems)}" if problems else ""
    raise UnknownEnvironment(f"no environment '{env_id}' (built in: {known}; `lbi envs` lists all){note}")


def make(env_id: str, **overrides: Any) -> Environment:
    """A new environment for ``env_id`` (``overrides`` replace the spec's constructor arguments)."""
    declared = spec(env_id)
    env = families.family(declared.family).environment_class()(env_id=env_id, **{**declared.kwargs, **overrides})
    env.spec = replace(declared, limits=env.limits)
    return env
