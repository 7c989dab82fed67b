"""The offline model's skill for any SQLite environment."""

from lbi.models.offline.sql_skill import SqlSkill

__all__ = ["SqlSkill"]
