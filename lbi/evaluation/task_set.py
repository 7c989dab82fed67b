"""Task sets: JSONL files of tasks with their typed success checks (the format is in docs/task-sets.md).

Every line is validated through ``Task[Check]``, where ``Check`` is the
environment family's union of check models; problems name the file, the line
and the field, in the same words for every family.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Generic, Iterator, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lbi.envs.checks import check_models
from lbi.errors import LbiError

CheckT = TypeVar("CheckT")


class TaskSetError(LbiError, ValueError):
    """A task set file that cannot be used as it is."""


class Task(BaseModel, Generic[CheckT]):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    instruction: str = Field(min_length=1)
    env: str | None = Field(None, min_length=1, description="The environment id the task is for (same on every line).")
    difficulty: str | None = None
    setup: list[str] = Field(default_factory=list)
    gold_actions: list[str] = Field(default_factory=list)
    check: CheckT


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) of every non-blank line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise TaskSetError(f"cannot read task set {path}: {error}") from None
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise TaskSetError(f"{path}:{number}: not JSON: {error.msg}") from None


def task_set_env(path: Path) -> str | None:
    """The environment the task set names (its tasks' ``env``), None when it names none."""
    first: tuple[int, str | None] | None = None
    for number, data in _lines(path):
        env = data.get("env") if isinstance(data, dict) else None
        if first is None:
            first = (number, env)
        elif env != first[1]:
            raise TaskSetError(f"{path}:{number}: field 'env': {env!r} differs from {first[1]!r} on line {first[0]} "
                               "(a task set is for one environment)")
    return first[1] if first else None


def load_task_set(path: Path, check_type: Any) -> list[Task]:
    """Every task in the file, in order, with ``check`` validated as one of ``check_type``'s models."""
    model = Task[check_type]
    tasks: list[Task] = []
    seen: set[str] = set()
    task_set_env(path)
    for number, data in _lines(path):
        try:
            task = model.model_validate(data)
        except ValidationError as error:
            raise TaskSetError(f"{path}:{number}: {describe(error, check_type)}") from None
        if task.id in seen:
            raise TaskSetError(f"{path}:{number}: task id {task.id!r} appears twice")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise TaskSetError(f"task set {path} holds no task")
    return tasks


def describe(error: ValidationError, check_type: Any) -> str:
    """A validation error of a task as one line: each problem with its field, worded the same for every family."""
    models = check_models(check_type)
    return "; ".join(_problem(e, models) for e in error.errors())


def _problem(error: Any, models: dict[str, type[BaseModel]]) -> str:
    field, owner = _field(error["loc"], models)
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = [name for name in (owner or Task).model_fields if name != "type"]
        return f"unknown field '{field}' (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return f"missing field '{field}'"
    if kind == "union_tag_invalid":
        expected = error["ctx"]["expected_tags"].replace("'", "")
        return f"unknown check type {error['ctx']['tag']!r} in '{field}' (this environment's checks: {expected})"
    if kind == "union_tag_not_found":
        return f"missing field '{field}.type' (this environment's checks: {', '.join(models)})"
    if kind == "model_attributes_type" and field in ("check", ""):
        return f"field '{field or 'task'}': must be an object"
    return f"field '{field or 'task'}': {error['msg']}"


def _field(loc: tuple[Any, ...], models: dict[str, type[BaseModel]]) -> tuple[str, type[BaseModel] | None]:
    """The dotted field name without the union tags pydantic puts in ``loc``, and the check model it belongs to."""
    parts: list[str] = []
    owner = None
    for k, part in enumerate(loc):
        previous = loc[k - 1] if k else None
        if isinstance(part, str) and part in models and (previous in ("check", "output") or isinstance(previous, int)):
            owner = models[part] if k < len(loc) - 1 else owner
            continue
        parts.append(f"[{part}]" if isinstance(part, int) else part)
    return ".".join(parts).replace(".[", "["), owner


def task_set_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
