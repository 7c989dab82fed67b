"""The task-set format and the shipped held-out set for Chinook."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from lbi.envs.sqlite.env import HANDBOOK_DIR
from lbi.evaluation.params import SHIPPED_TASK_SETS
from lbi.evaluation.task_set import TaskSetError, load_task_set

HELDOUT = SHIPPED_TASK_SETS["sqlite-chinook-v0"]


def _normalized(sql: str) -> str:
    return " ".join(sql.lower().replace(";", " ").split())


def test_the_shipped_set_is_large_graded_and_held_out_from_the_docs() -> None:
    tasks = load_task_set(HELDOUT)
    assert len(tasks) >= 40
    difficulties = Counter(t.difficulty for t in tasks)
    assert difficulties.keys() == {"easy", "medium", "hard"} and min(difficulties.values()) >= 10
    assert all(t.gold_actions and t.check["type"] in {"sql_rows", "rows"} for t in tasks)
    documented = {_normalized(block) for doc in HANDBOOK_DIR.glob("*.md")
                  for block in re.findall(r"```sql\n(.*?)```", doc.read_text(), re.DOTALL)}
    gold = {_normalized(t.check.get("gold_sql", "")) for t in tasks} | \
        {_normalized(a) for t in tasks for a in t.gold_actions}
    assert not gold & documented, "no task is one of the documentation's examples"
    instructions = [t.instruction for t in tasks]
    assert len(set(instructions)) == len(instructions)


@pytest.mark.parametrize("line, message", [
    ('{"id": "a", "instruction": "x"}', "check: Field required"),
    ('{"id": "a", "instruction": "x", "check": {}}', '"check" needs a "type"'),
    ('{"id": "a", "instruction": "x", "check": {"type": "rows"}, "gold_action": []}', "Extra inputs"),
    ('{"id": "a", "instruction": "x", "check": {"type": "rows"}}\n{"id": "a", "instruction": "y", '
     '"check": {"type": "rows"}}', "appears twice"),
    ("{not json", "not JSON"),
])
def test_a_broken_task_set_names_the_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n" + line + "\n")
    with pytest.raises(TaskSetError, match=re.escape(message)) as raised:
        load_task_set(path)
    assert f"{path}:" in str(raised.value)
