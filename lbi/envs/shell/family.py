"""The shell family and its built-in instance, the weatherlog project (declared; nothing here starts a sandbox)."""

from __future__ import annotations

from pathlib import Path

from lbi.envs.base import EnvSpec
from lbi.envs.families import Family
from lbi.envs.shell.docs import default_docs

HERE = Path(__file__).parent
ACTION_LANGUAGE = "bash: one shell command line per action, run with `bash -c`"
DEFAULT_WORKDIR = "/home/user/project"
WEATHERLOG = ("'weatherlog', a small Python project that ingests weather-station readings: its source and tests, "
              "CSV data, JSON and INI configuration, ingest and access logs, maintenance scripts and a git "
              "repository with history, a tag and a feature branch")


def describe(subject: str, workdir: str = DEFAULT_WORKDIR) -> str:
    return (f"A bash shell in a sandbox, working in {workdir}: a fresh private copy of {subject}. Each action "
            "is one command line; the observation is its output (bounded) and its exit code. The system is "
            "read-only, there is no network, and each command has time, memory, process and output limits.")


FAMILY = Family(
    name="shell", entry_point="lbi.envs.shell.env:ShellEnv", offline_skill="lbi.envs.shell.offline:ShellSkill",
    action_language=ACTION_LANGUAGE, describe=lambda name, options: describe(f"the user's directory '{name}'", options.get("workdir", DEFAULT_WORKDIR)),
    default_docs=lambda: default_docs(handbook=False), source_kwarg="tree", source_option="tree",
    options={"workdir": "sandbox_workdir"},
)

ENVIRONMENTS = (
    EnvSpec(id="shell-project-v0", family="shell", description=describe(WEATHERLOG), action_language=ACTION_LANGUAGE,
            docs=default_docs(handbook=True), task_set=HERE / "tasks" / "project-heldout.jsonl",
            kwargs={"tree": "project"}),
)
