"""The python-repo family and its built-in instance, click from PyPI (declared; nothing here downloads or
starts a sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from lbi.envs.base import EnvSpec, Limits
from lbi.envs.coding.layout import cache_dir
from lbi.envs.coding.repository import DEFAULT_TEST_COMMAND, describe, repository_for
from lbi.envs.families import Family

HERE = Path(__file__).parent
ACTION_LANGUAGE = (
    "one bash command line, or one editor call with Python literal arguments: view(path, [start, end]), "
    "create(path, text), str_replace(path, old, new) (old must occur exactly once), insert(path, line, text) "
    "(after that line; 0 = top), undo(path), submit() when the change is done; paths relative to the repository; "
    "strings may be triple-quoted to span lines")
LIMITS = Limits(action_timeout_s=60.0, max_observation_chars=4000, max_action_chars=20_000)


def _describe(name: str, options: Mapping[str, str]) -> str:
    return describe(f"the user's repository '{name}'", options.get("test", DEFAULT_TEST_COMMAND))


FAMILY = Family(
    name="python-repo", entry_point="lbi.envs.coding.env:CodingEnv", offline_skill="lbi.envs.coding.offline:CodingSkill",
    action_language=ACTION_LANGUAGE, describe=_describe, default_docs=lambda: (HERE / "docs",),
    source_kwarg="repo", source_option="repo", options={"test": "test_command", "install": "install"},
)

ENVIRONMENTS = (
    EnvSpec(id="coding-click-v0", family="python-repo", action_language=ACTION_LANGUAGE, limits=LIMITS,
            description=repository_for("click").describe(), docs=repository_for("click").docs(cache_dir()),
            task_set=HERE / "tasks" / "click-heldout.jsonl", kwargs={"repo": "click"}),
)
