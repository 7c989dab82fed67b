"""The offline model's skill for any SQLite environment (see skill.py)."""

from lbi.envs.sqlite.offline.skill import SqlSkill

__all__ = ["SqlSkill"]
