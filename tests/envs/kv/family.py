"""The kv family and its one instance, declared (nothing here builds a store)."""

from __future__ import annotations

from pathlib import Path

from lbi.envs import families, registry
from lbi.envs.base import EnvSpec
from lbi.envs.families import Family

HERE = Path(__file__).parent
ACTION_LANGUAGE = "kv commands, one per action: get KEY | set KEY VALUE | del KEY | keys | wait SECONDS"


def describe(name: str, options: object = None) -> str:
    return (f"A key-value store '{name}'. Each action is one command; the observation is its answer or an "
            "error. Every episode starts from a fresh copy of the store.")


FAMILY = Family(name="kv", entry_point="tests.envs.kv.env:KvEnv", offline_skill="tests.envs.kv.offline:KvSkill",
                action_language=ACTION_LANGUAGE, describe=describe,
                default_docs=lambda: tuple(sorted((HERE / "docs").glob("*.md"))), source_kwarg="store",
                source_option="store")

ENVIRONMENTS = (
    EnvSpec(id="kv-colors-v0", family="kv", description=describe("colors"), action_language=ACTION_LANGUAGE,
            docs=FAMILY.default_docs(), task_set=HERE / "tasks" / "colors-heldout.jsonl",
            kwargs={"store": "colors"}),
)


def register() -> None:
    """The one registration: the family, then its environments."""
    families.register_family(FAMILY)
    for spec in ENVIRONMENTS:
        registry.register(spec)
