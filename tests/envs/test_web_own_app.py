"""Bring your own web application: `lbi env add ID --family web --app DIR --start CMD --url PATH` on a small
shopping-list app made here (stdlib http.server over SQLite). Episodes serve copies (the original is never
modified), state checks read the episode's copy, and the offline skill acts on it from what the page shows."""

from __future__ import annotations

import hashlib
from pathlib import Path
from random import Random

import pytest
from typer.testing import CliRunner

from lbi.cli import app
from lbi.envs import registry
from lbi.envs.web.checks import SqlCheck
from lbi.envs.web.offline.skill import WebSkill
from lbi.prompts.render import Turn
from tests.envs.web_app import make_app
from tests.envs.web_processes import leftover_processes

pytestmark = pytest.mark.usefixtures("lbi_env")
runner = CliRunner()
START = "python3 {state}/app.py {port}"


def digest(directory: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())).hexdigest()


def test_an_own_web_application_registers_runs_on_copies_and_is_checked(tmp_path: Path) -> None:
    state, docs = make_app(tmp_path)
    before = digest(state)
    result = runner.invoke(app, ["env", "add", "my-list", "--family", "web", "--app", str(state), "--start", START,
                                 "--url", "/", "--database", "items.db", "--docs", str(docs)])
    assert result.exit_code == 0, result.output
    assert registry.spec("my-list").docs == (docs,)
    with registry.make("my-list") as env:
        first = env.reset().text
        assert "URL: /\nTitle: Shopping list" in first and "textbox 'New item'" in first
        field = next(e for e in env.page_elements.values() if e.name == "New item")
        button = next(e for e in env.page_elements.values() if e.name == "Add")
        assert not env.step(f"fill({field.id}, 'eggs')").observation.error
        after = env.step(f"click({button.id})").observation
        assert not after.error and "StaticText 'eggs'" in after.text
        assert env.check(SqlCheck(query="SELECT name FROM item", rows=[["milk"], ["bread"], ["eggs"]])).success
        assert env.reset().text == first, "the next episode starts from a fresh copy"
        assert env.check(SqlCheck(query="SELECT count(*) FROM item", rows=[[2]])).success
    assert digest(state) == before
    assert leftover_processes() == []


def test_bad_web_registrations_are_clear_errors(tmp_path: Path) -> None:
    state, _ = make_app(tmp_path)
    for args, message in ((["--start", "python3 app.py"], "{port}"), ([], "--start"),
                          (["--start", START, "--url", "items"], "path")):
        result = runner.invoke(app, ["env", "add", "bad-list", "--family", "web", "--app", str(state), *args])
        assert result.exit_code != 0 and message in str(result.exception or result.output), result.output


def test_the_offline_skill_acts_on_an_own_application(tmp_path: Path) -> None:
    state, docs = make_app(tmp_path)
    result = runner.invoke(app, ["env", "add", "my-list", "--family", "web", "--app", str(state), "--start", START,
                                 "--docs", str(docs), "--database", "items.db", "--force"])
    assert result.exit_code == 0, result.output
    skill = WebSkill()
    with registry.make("my-list") as env:
        start = env.reset().text
        tasks = skill.propose_tasks((docs / "shopping.md").read_text(), start, 4, Random(0))
        assert any(task.startswith("Enter '") for task in tasks), tasks
        for task in tasks:
            observation, history = env.reset().text, []
            for _ in range(4):
                _, action = skill.next_action(task, history, Random(0), observation=observation)
                if action == "STOP":
                    break
                step = env.step(action)
                observation = step.observation.text
                assert not step.observation.error, (task, action, observation[:300])
                history.append(Turn(action, observation))
                if step.done:
                    break
            assert history, task
            assert skill.task_instruction(history, Random(0)) == task
    assert leftover_processes() == []
