"""The offline model's skill for any shell environment."""

from lbi.models.offline.shell_skill import ShellSkill

__all__ = ["ShellSkill"]
