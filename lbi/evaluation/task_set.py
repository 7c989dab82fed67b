"""Task sets: JSONL files of tasks with their success checks (the format is in docs/task-sets.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lbi.errors import LbiError


class TaskSetError(LbiError, ValueError):
    """A task set file that cannot be used as it is."""


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    instruction: str = Field(min_length=1)
    difficulty: str | None = None
    setup: list[str] = Field(default_factory=list)
    gold_actions: list[str] = Field(default_factory=list)
    check: dict[str, Any]

    @field_validator("check")
    @classmethod
    def _check_has_type(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value.get("type"), str):
            raise ValueError('"check" needs a "type" naming one of the environment\'s checkers')
        return value


def load_task_set(path: Path) -> list[Task]:
    """Every task in the file, in order; errors name the file and line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise TaskSetError(f"cannot read task set {path}: {error}") from None
    tasks: list[Task] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            task = Task.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            raise TaskSetError(f"{path}:{number}: not JSON: {error.msg}") from None
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'task'}: {e['msg']}" for e in error.errors())
            raise TaskSetError(f"{path}:{number}: {problems}") from None
        if task.id in seen:
            raise TaskSetError(f"{path}:{number}: task id {task.id!r} appears twice")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise TaskSetError(f"task set {path} holds no task")
    return tasks


def task_set_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
