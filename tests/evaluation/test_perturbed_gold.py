"""Every shipped task's checker fails a perturbed copy of its gold: one gold action changed so the answer is
wrong (another constant, limit, column, table; another command or argument). Together with replay at 1.0
this shows the checks tell right from wrong."""

from __future__ import annotations

from typing import Iterator

import pytest

from lbi.envs.registry import make
from lbi.envs.shell.checks import Check as ShellCheck
from lbi.envs.sqlite.checks import Check as SqlCheck
from lbi.evaluation.params import default_task_set
from lbi.evaluation.task_set import Task, load_task_set
from tests.sandbox.backends import needs_bubblewrap

# task id suffix -> (text in its last gold action, what it becomes)
SQL = {
    "001": ("FROM Artist", "FROM Album"), "002": ("FROM Invoice", "FROM InvoiceLine"),
    "003": ("FROM MediaType", "FROM MediaType WHERE MediaTypeId > 1"),
    "004": (" AND LastName = 'Harris'", ""), "005": ("'Sales Support Agent'", "'Sales Manager'"),
    "006": ("IS NULL", "IS NOT NULL"), "007": ("max(", "min("), "008": ("ORDER BY Name", "ORDER BY Name DESC"),
    "009": ("1.99", "0.99"), "010": ("'Canada'", "'Brazil'"), "011": ("1200000", "120000"),
    "012": ("avg(", "max("), "013": ("'Nancy'", "'Jane'"), "014": ("IS NULL", "IS NOT NULL"),
    "015": ("ASC", "DESC"), "016": ("= 8", "= 9"), "017": ("GROUP BY", "WHERE t.GenreId = 1 GROUP BY"),
    "018": ("LIMIT 4", "LIMIT 5"), "019": ("FROM InvoiceLine", "FROM InvoiceLine WHERE InvoiceId > 1"),
    "020": ("'Köhler'", "'Kohler'"), "021": ("= 1)", "= 2)"), "022": ("LIMIT 1", "LIMIT 2"),
    "023": ("'2010-01-01'", "'2011-01-01'"), "024": ("'Jagged Little Pill'", "'Facelift'"),
    "025": ("> 45", "> 40"), "026": ("'Jazz'", "'Blues'"), "027": ("DESC", "ASC"), "028": ("'Rock'", "'Metal'"),
    "029": ("'2004-01-01'", "'2005-01-01'"), "030": ("'Classical'", "'TV Shows'"), "031": ("'Grunge'", "'Music'"),
    "032": (">= 3", ">= 2"), "033": ("NOT EXISTS", "EXISTS"), "034": ("ORDER BY y", "ORDER BY y DESC"),
    "035": ("'Rock'", "'Metal'"), "036": ("7200000", "3600000"), "037": ("LIMIT 1", "LIMIT 1 OFFSET 1"),
    "038": ("'Metal'", "'Rock'"), "039": ("DESC", "ASC"), "040": ("DESC", "ASC"), "041": ("/ 2)", "/ 3)"),
    "042": ("LIMIT 3", "LIMIT 2"), "043": ("DESC", "ASC"), "044": ("'Enter Sandman'", "'Battery'"),
    "045": ("'Norway'", "'Sweden'"), "046": ("'Blues'", "'Drama'"),
}
SHELL = {
    "001": ("head -n 1", "head -n 2"), "002": ("head -n 1", "head -n 2"), "003": ("head -n 1", "tail -n 1"),
    "004": ("$4", "$5"), "005": ("Summit", "Harbour"), "006": ("max_by", "min_by"), "007": ("'^email'", "'^'"),
    "008": ("WARNING", "INFO"), "009": ("head -n 1", "head -n 2"), "010": ("404", "200"),
    "011": (">= 500", ">= 400"), "012": ("humidity", "e"), "013": ("git tag", "git branch"),
    "014": ("grep -v", "grep"), "015": ("'^+[a-z]'", "'^[+ ][a-z]'"), "016": ("--short", "--short --branch"),
    "017": ("'^+-'", "'^[+-]'"), "018": ("--diff-filter=A", "--diff-filter=M"), "019": ("grep", "grep -c"),
    "020": ("'wind gusts'", "'import'"), "021": ("'^ST01'", "'^ST02'"), "022": ("'^Ran'", "'^OK'"),
    "023": ("Porto", "Lisbon"), "024": ("'^ST05'", "'^ST04'"), "025": ("+x", "-x"), "026": ("1000", "100"),
    "027": ("'Update the to-do list'", "'Update to-do list'"), "028": ("fix/readme", "fix/readme-2"),
    "029": ("2024-05-15", "2024-05-16"), "030": (".gz logs", ".gz logs/ingest.log"),
    "031": ("sh scripts/backup.sh", "mkdir -p backups && tar -czf backups/weatherlog-x.tar.gz data"),
    "032": ("notes/todo.md", "README.md"), "033": ("./scripts/rotate_logs.sh", "gzip -k logs/ingest.log"),
    "034": ("ST06", "ST05"), "035": ("feature/wind-alerts", "v0.3.0"), "036": ("v0.3.1", "v0.3.2"),
    "037": ("',error$'", "',ok$'"), "038": ("gzip", "gzip -k"), "039": ("'*.tmp'", "'a.tmp'"),
    "040": (",75,", ",57,"), "041": ("--others --exclude-standard ", ""),
}
SQL_TASKS = load_task_set(default_task_set("sqlite-chinook-v0"), SqlCheck)
SHELL_TASKS = load_task_set(default_task_set("shell-project-v0"), ShellCheck)


def perturbed(task: Task, perturbations: dict[str, tuple[str, str]]) -> list[str]:
    old, new = perturbations[task.id.rsplit("-", 1)[1]]
    *before, last = task.gold_actions
    assert old in last, (task.id, old, last)
    return [*before, last.replace(old, new, 1)]


def test_every_shipped_task_has_a_perturbation() -> None:
    assert {t.id.rsplit("-", 1)[1] for t in SQL_TASKS} == set(SQL)
    assert {t.id.rsplit("-", 1)[1] for t in SHELL_TASKS} == set(SHELL)


@pytest.mark.parametrize("task", SQL_TASKS, ids=lambda task: task.id)
def test_a_perturbed_sql_gold_fails_its_check(task: Task) -> None:
    with make("sqlite-chinook-v0") as env:
        env.reset()
        for action in [*task.setup, *perturbed(task, SQL)]:
            env.step(action)
        verdict = env.check(task.check)
    assert not verdict.success and not verdict.broken_check, verdict.detail


@pytest.fixture(scope="module")
def shell_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with make("shell-project-v0", workdir=tmp_path_factory.mktemp("work")) as environment:
        yield environment


@needs_bubblewrap
@pytest.mark.parametrize("task", SHELL_TASKS, ids=lambda task: task.id)
def test_a_perturbed_shell_gold_fails_its_check(shell_env, task: Task) -> None:
    shell_env.reset()
    for action in [*task.setup, *perturbed(task, SHELL)]:
        shell_env.step(action)
    verdict = shell_env.check(task.check)
    assert not verdict.success and not verdict.broken_check, verdict.detail
