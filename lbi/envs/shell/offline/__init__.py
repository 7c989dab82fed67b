"""The offline model's skill for the shell family (any directory tree), and the readers it uses."""

from lbi.envs.shell.offline.skill import ShellSkill

__all__ = ["ShellSkill"]
