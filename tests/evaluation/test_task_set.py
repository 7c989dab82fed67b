"""The task-set format and the shipped held-out set for Chinook."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from lbi.envs.shell.checks import Check as ShellCheck
from lbi.envs.sqlite.checks import Check as SqlCheck
from lbi.envs.sqlite.family import HANDBOOK_DIR
from lbi.errors import ConfigError
from lbi.evaluation.params import EvaluateParams, default_task_set
from lbi.evaluation.target import resolve
from lbi.evaluation.task_set import TaskSetError, load_task_set, task_set_env

HELDOUT = default_task_set("sqlite-chinook-v0")


def _normalized(sql: str) -> str:
    return " ".join(sql.lower().replace(";", " ").split())


def test_the_shipped_set_is_large_graded_and_held_out_from_the_docs() -> None:
    tasks = load_task_set(HELDOUT, SqlCheck)
    assert len(tasks) >= 40 and task_set_env(HELDOUT) == "sqlite-chinook-v0"
    difficulties = Counter(t.difficulty for t in tasks)
    assert difficulties.keys() == {"easy", "medium", "hard"} and min(difficulties.values()) >= 10
    assert all(t.gold_actions and t.check.type in {"sql_rows", "rows"} for t in tasks)
    documented = {_normalized(block) for doc in HANDBOOK_DIR.glob("*.md")
                  for block in re.findall(r"```sql\n(.*?)```", doc.read_text(), re.DOTALL)}
    gold = {_normalized(getattr(t.check, "gold_sql", "")) for t in tasks} | \
        {_normalized(a) for t in tasks for a in t.gold_actions}
    assert not gold & documented, "no task is one of the documentation's examples"
    instructions = [t.instruction for t in tasks]
    assert len(set(instructions)) == len(instructions)


TASK = '{"id": "a", "instruction": "x", '


@pytest.mark.parametrize("check_type, line, message", [
    (SqlCheck, TASK + '"check": {"type": "sql_rows", "gold_sql": "SELECT 1", "order_matter": true}}',
     "unknown field 'check.order_matter' (allowed: order_matters, sort_keys,"),
    (ShellCheck, TASK + '"check": {"type": "output_contains", "txt": "x"}}',
     "unknown field 'check.txt' (allowed: normalize_whitespace, ignore_case, text, whole_words)"),
    (SqlCheck, TASK + '"check": {"type": "sql_rows"}}', "missing field 'check.gold_sql'"),
    (ShellCheck, TASK + '"check": {"type": "state"}}', "missing field 'check.command'"),
    (SqlCheck, TASK + '"check": {"type": "output_contains", "text": "x"}}',
     "unknown check type 'output_contains' in 'check' (this environment's checks: sql_rows, rows)"),
    (ShellCheck, TASK + '"check": {"type": "sql_rows", "gold_sql": "SELECT 1"}}',
     "unknown check type 'sql_rows' in 'check' (this environment's checks: output_contains, output_equals,"),
    (SqlCheck, TASK + '"check": {}}', "missing field 'check.type' (this environment's checks: sql_rows, rows)"),
    (ShellCheck, TASK + '"check": {"type": "all_of", "checks": [{"type": "state"}]}}',
     "missing field 'check.checks[0].command'"),
    (ShellCheck, TASK + '"check": {"type": "output_regex", "pattern": "("}}', "field 'check.pattern': "),
    (SqlCheck, '{"id": "a", "instruction": "x"}', "missing field 'check'"),
    (SqlCheck, TASK + '"check": {"type": "rows", "rows": []}, "gold_action": []}', "unknown field 'gold_action'"),
    (SqlCheck, TASK + '"check": {"type": "rows", "rows": []}}\n' + TASK.replace('"x"', '"y"')
     + '"check": {"type": "rows", "rows": []}}', "appears twice"),
    (SqlCheck, TASK + '"env": "sqlite-chinook-v0", "check": {"type": "rows", "rows": []}}\n{"id": "b", '
     '"instruction": "y", "check": {"type": "rows", "rows": []}}', "field 'env': None differs from"),
    (ShellCheck, "{not json", "not JSON"),
])
def test_a_broken_task_set_names_the_file_line_and_field(tmp_path: Path, check_type, line: str, message: str) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n" + line + "\n")
    with pytest.raises(TaskSetError, match=re.escape(message)) as raised:
        load_task_set(path, check_type)
    assert re.match(re.escape(f"{path}:") + "[23]: ", str(raised.value)) and "\n" not in str(raised.value)


def test_the_environment_comes_from_env_or_the_task_set_and_they_must_agree(tmp_path: Path) -> None:
    unnamed = tmp_path / "unnamed.jsonl"
    unnamed.write_text(TASK + '"check": {"type": "rows", "rows": [[1]]}}\n')
    assert resolve(EvaluateParams(tasks=str(HELDOUT))).env_id == "sqlite-chinook-v0"
    assert resolve(EvaluateParams(env="shell-project-v0")).task_set == default_task_set("shell-project-v0")
    assert resolve(EvaluateParams(env="sqlite-chinook-v0", tasks=str(unnamed))).check_type is SqlCheck
    with pytest.raises(ConfigError, match="--env shell-project-v0 does not match the task set .* for sqlite-chinook-v0"):
        resolve(EvaluateParams(env="shell-project-v0", tasks=str(HELDOUT)))
    with pytest.raises(ConfigError, match="names no environment"):
        resolve(EvaluateParams(tasks=str(unnamed)))
    with pytest.raises(ConfigError, match="name the environment"):
        resolve(EvaluateParams())
