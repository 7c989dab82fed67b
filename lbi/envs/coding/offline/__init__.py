"""The offline model's skill for any Python repository of the python-repo family."""

from lbi.envs.coding.offline.skill import CodingSkill

__all__ = ["CodingSkill"]
