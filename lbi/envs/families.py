"""Families: kinds of environment (sqlite, shell, ...). Everything a family offers works for any of its
instances: the environment class (with its typed checks), the offline model's skill, its default
documentation, and how users bring an instance of their own (`lbi env add`).

A family is declared in its package's ``family.py`` (light: it imports no environment code) by dotted
paths imported on first use, so reading the registry starts nothing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from lbi.errors import ConfigError

BUILTIN = ("lbi.envs.sqlite.family", "lbi.envs.shell.family", "lbi.envs.coding.family", "lbi.envs.web.family")  # modules that each define FAMILY


@dataclass(frozen=True)
class Family:
    name: str
    entry_point: str  # the environment class, "module:Class"; its ``check_type`` is the family's checks
    offline_skill: str  # the offline model's skill for any instance of the family, "module:Class"
    action_language: str
    describe: Callable[[str, Mapping[str, str]], str]  # (an instance's name, its options) -> what models read
    default_docs: Callable[[], tuple[Path, ...]]  # documentation every instance gets unless told otherwise
    source_kwarg: str | None = None  # the constructor argument that takes a user's source (file, tree, ...)
    source_option: str | None = None  # its name on the command line and in config files
    # further options a user's instance may set: name on the command line and in config files -> the
    # constructor argument (the class validates the value when the registration is checked)
    options: Mapping[str, str] = field(default_factory=dict)
    # "module:function" (source, env_id, directory) -> documents: checks a user's source before it is
    # registered and writes documentation grounded in it (a database's schema) into ``directory``
    grounding: str | None = None
    # "module:function" () -> None, called when a run of the family ends: lets go of helper processes the
    # family keeps in a process between episodes (once none is in use), so none stays between runs
    release_helpers: str | None = None

    def ground(self, source: Path, env_id: str, directory: Path) -> list[Path]:
        return list(resolve(self.grounding)(source, env_id, directory)) if self.grounding else []

    def release(self) -> None:
        if self.release_helpers:
            resolve(self.release_helpers)()

    def environment_class(self) -> Any:
        return resolve(self.entry_point)

    def load_offline_skill(self) -> Any:
        return resolve(self.offline_skill)()

    def check_type(self) -> Any:
        return self.environment_class().check_type


_FAMILIES: dict[str, Family] = {}
_loaded = False


def resolve(entry_point: str) -> Any:
    module, _, attr = entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


def register_family(family: Family) -> None:
    _FAMILIES[family.name] = family


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN:
            register_family(resolve(f"{module}:FAMILY"))


def family(name: str) -> Family:
    _load_builtin()
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ConfigError(f"unknown family '{name}' (families: {', '.join(names())})") from None


def names() -> list[str]:
    _load_builtin()
    return sorted(_FAMILIES)
