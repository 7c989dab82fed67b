"""Families: kinds of environment (sqlite, shell, ...). Everything a family offers works for any of its
instances: the environment class, its typed checks, the offline model's skill, how users bring their own.

A family is registered once, by dotted paths imported on first use, so reading
the registry starts nothing and imports nothing heavy.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from lbi.errors import ConfigError


@dataclass(frozen=True)
class Family:
    name: str
    entry_point: str  # the environment class, "module:Class"
    offline_skill: str  # the offline model's skill for any instance of the family, "module:Class"
    check_type: str  # the family's typed checks (a discriminated union), "module:Name"
    source_kwarg: str | None = None  # the constructor argument that takes a user's source (file, tree, ...)
    source_option: str | None = None  # its name on the command line and in config files

    def environment_class(self) -> Any:
        return resolve(self.entry_point)

    def load_offline_skill(self) -> Any:
        return resolve(self.offline_skill)()

    def checks(self) -> Any:
        return resolve(self.check_type)


_FAMILIES: dict[str, Family] = {}


def resolve(entry_point: str) -> Any:
    module, _, attr = entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


def register_family(family: Family) -> None:
    _FAMILIES[family.name] = family


def family(name: str) -> Family:
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ConfigError(f"unknown family '{name}' (families: {', '.join(sorted(_FAMILIES))})") from None


def names() -> list[str]:
    return sorted(_FAMILIES)


register_family(Family("sqlite", "lbi.envs.sqlite.env:SqliteEnv", "lbi.envs.sqlite.offline:SqlSkill",
                       "lbi.envs.sqlite.checks:Check", source_kwarg="database", source_option="db"))
register_family(Family("shell", "lbi.envs.shell.env:ShellEnv", "lbi.envs.shell.offline:ShellSkill",
                       "lbi.envs.shell.checks:Check", source_kwarg="tree", source_option="tree"))
