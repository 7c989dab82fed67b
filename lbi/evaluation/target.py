"""Which environment and task set an evaluation runs: from ``--env``, ``--tasks`` and what the task set names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lbi.envs import families, registry
from lbi.errors import ConfigError
from lbi.evaluation.params import EvaluateParams, default_task_set
from lbi.evaluation.task_set import Task, load_task_set, task_set_env


@dataclass(frozen=True)
class Target:
    env_id: str
    task_set: Path
    check_type: Any


def resolve(params: EvaluateParams) -> Target:
    """The environment (``params.env`` or the task set's ``env``; both must agree) and the task set
    (``params.tasks`` or the environment's default); a ConfigError in one line otherwise."""
    if params.tasks:
        path = Path(params.tasks)
    elif params.env:
        path = default_task_set(params.env)
        if path is None:
            raise ConfigError(f"no task set ships with {params.env}; pass one (--tasks FILE)")
    else:
        raise ConfigError("name the environment (--env ENV) or a task set (--tasks FILE) whose tasks name it")
    named = task_set_env(path)
    if params.env and named and params.env != named:
        raise ConfigError(f"--env {params.env} does not match the task set {path}, whose tasks are for {named}")
    env_id = params.env or named
    if env_id is None:
        raise ConfigError(f"the task set {path} names no environment (no \"env\" field); pass --env ENV")
    return Target(env_id, path, check_type_of(env_id))


def check_type_of(env_id: str) -> Any:
    """The typed checks (the family's ``Check`` union) of the environment registered as ``env_id``."""
    check_type = families.family(registry.spec(env_id).family).check_type()
    if check_type is None:
        raise ConfigError(f"environment {env_id} has no typed checks, so it cannot be evaluated")
    return check_type


def load_tasks(target: Target) -> list[Task]:
    return load_task_set(target.task_set, target.check_type)
