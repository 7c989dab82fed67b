"""The offline model's bash skill over real HTTP: tasks grounded in the shell environment's docs, commands that
run in the real sandbox and mostly succeed, labels that say what the commands did, judges as for SQL."""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest

from lbi.docs.chunking import chunk_text
from lbi.docs.loaders import load_document
from lbi.envs.base import EnvSpec, Limits
from lbi.envs.shell.docs import HANDBOOK_DIR, MAN_DIR
from lbi.envs.shell.env import ACTION_LANGUAGE
from lbi.prompts import act
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn
from tests.models.offline_roles import Roles, ask
from tests.sandbox.backends import needs_bubblewrap

SPEC = EnvSpec(id="shell-project-v0", family="shell", description="bash over the weatherlog project.",
               action_language=ACTION_LANGUAGE)
COUNT_ERRORS = Turn("grep -c ',error$' data/readings.csv", "7\n[exit code 0]")
LOOK = Turn("head -n 3 data/readings.csv", "station_id,timestamp,temperature_c,humidity_pct,wind_kmh,status\n"
                                           "ST01,2024-05-13T00:00:00Z,13.1,76,22,ok\n[exit code 0]")
TYPO = Turn("grep -c ',error$' data/reading.csv", "grep: data/reading.csv: No such file or directory\n[exit code 2]")
LIST = Turn("ls", "README.md\ndata\nlogs\nsrc\n[exit code 0]")


def chunks() -> list[str]:
    handbook = [chunk for path in sorted(HANDBOOK_DIR.glob("*.md")) for chunk in chunk_text(path.read_text(), max_chars=3000)]
    pages = [MAN_DIR / f"{name}.1.gz" for name in ("grep", "git-log", "jq")]
    manual = [chunk_text(load_document(page).text, max_chars=3000)[0] for page in pages if page.exists()]
    return handbook + manual


@pytest.fixture(scope="module")
def client(offline_model: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=offline_model, api_key="offline")


ROLES = Roles(SPEC, "$ ls\nREADME.md")
proposed, labelled, verdicts = ROLES.proposed, ROLES.labelled, ROLES.verdicts


@pytest.fixture(scope="module")
def episodes(client: openai.OpenAI, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, list[Turn]]]:
    """Rollouts of tasks proposed from the docs, in the real shell environment: (task, initial observation, turns)."""
    from lbi.envs.registry import make

    env = make("shell-project-v0", limits=Limits(max_observation_chars=1000), workdir=tmp_path_factory.mktemp("work"))
    rollouts = []
    with env:
        for task in [t for chunk in chunks() for t in proposed(client, chunk, 2)]:
            observation = env.reset()
            initial, turns = observation.text, []
            for _ in range(8):
                decision = act.parse(ask(client, act.build(SPEC, task, turns, observation.text), "offline-actor"),
                                     SPEC.limits.max_action_chars)
                assert not isinstance(decision, ParseFailure), decision
                if decision.stop:
                    break
                observation = env.step(decision.action).observation
                turns.append(Turn(decision.action, observation.text))
            rollouts.append((task, initial, turns))
    return rollouts


def test_the_proposer_writes_distinct_tasks_about_what_the_chunk_covers(client: openai.OpenAI) -> None:
    every = [proposed(client, chunk, 4) for chunk in chunks()]
    assert all(len(tasks) == len(set(tasks)) == 4 for tasks in every)
    data = next(c for c in chunks() if "data/readings.csv" in c and "jq" in c)
    assert sum(bool(re.search(r"reading|station|temperature|humidity", t)) for t in proposed(client, data, 5)) >= 3
    repository = next(c for c in chunks() if "feature/wind-alerts" in c)
    assert sum(bool(re.search(r"commit|branch|tag|history|repository", t)) for t in proposed(client, repository, 5)) >= 3


@needs_bubblewrap
def test_the_actors_commands_run_in_the_sandbox_and_mostly_succeed(episodes: list) -> None:
    actions = [t for _, _, turns in episodes for t in turns]
    failed = [t for t in actions if not t.observation.endswith("[exit code 0]")]
    assert len(failed) <= 0.15 * len(actions), failed
    assert all(1 <= len(turns) <= 6 for _, _, turns in episodes)
    assert sum(2 <= len(turns) <= 5 for _, _, turns in episodes) >= 0.6 * len(episodes)
    assert all(turns[-1].observation.endswith("[exit code 0]") for _, _, turns in episodes)


def test_the_actor_reads_the_error_and_fixes_a_mistyped_path(client: openai.OpenAI) -> None:
    """Plays every kind of task against a stand-in that fails on the paths the actor sometimes mistypes."""
    from lbi.models.offline.shell_commands import NEAR_MISSES
    from lbi.models.offline.shell_tasks import KINDS, PARAMETERS, fill, placeholders

    recoveries = 0
    for kind in KINDS:
        for template in kind.templates:
            task = fill(template, {name: PARAMETERS[name][0] for name in placeholders(template)})
            turns: list[Turn] = []
            while len(turns) < 7:
                decision = act.parse(ask(client, act.build(SPEC, task, turns, "$"), "offline-actor"), 10_000)
                if decision.stop:
                    break
                typo = next((wrong for wrong in NEAR_MISSES.values() if wrong in decision.action), None)
                if turns and "No such file" in turns[-1].observation:
                    assert "does not exist" in decision.reason, decision
                    recoveries += 1
                observation = f"{typo}: No such file or directory\n[exit code 1]" if typo else "ok\n[exit code 0]"
                turns.append(Turn(decision.action, observation))
            assert turns and turns[-1].observation.endswith("[exit code 0]"), (task, turns)
    assert recoveries >= 2


def test_the_actor_is_deterministic_and_stops_when_done(client: openai.OpenAI) -> None:
    task = "How many readings in data/readings.csv have the status error?"
    messages = act.build(SPEC, task, [LOOK], LOOK.observation)
    assert ask(client, messages, "offline-actor") == ask(client, messages, "offline-actor")
    history = [LOOK, COUNT_ERRORS, Turn("ls", "README.md\n[exit code 0]")]
    done = act.parse(ask(client, act.build(SPEC, task, history, "README.md"), "offline-actor"), 10_000)
    assert done.stop


def test_the_labelers_say_what_the_commands_did(client: openai.OpenAI) -> None:
    assert labelled(client, "task", [LOOK, COUNT_ERRORS]).instruction == \
        "Count the readings in data/readings.csv whose status is error."
    result = labelled(client, "replicate", [LIST, TYPO, COUNT_ERRORS])
    assert len(result.summary) == 3 and "failed" in result.summary[1] and "No such file" in result.summary[1]
    assert "the value 7" in result.summary[2] and "7" in result.instruction


@needs_bubblewrap
def test_every_span_gets_labels_that_parse(client: openai.OpenAI, episodes: list) -> None:
    ROLES.assert_every_span_labels(client, episodes[:5])


def test_the_judge_accepts_a_good_example_and_rejects_bad_ones(client: openai.OpenAI) -> None:
    good = verdicts(client, "Count the readings in data/readings.csv whose status is error.", [LOOK, COUNT_ERRORS])
    assert all(v.accept for v in good.values()), good
    ends_in_error = verdicts(client, "Count the failed readings in data/readings.csv.", [LOOK, TYPO])
    assert not ends_in_error["aligned"].accept and "fails" in ends_in_error["aligned"].rationale
    vague = verdicts(client, "Run a command in the working tree.", [COUNT_ERRORS])
    assert not vague["aligned"].accept and "data/readings.csv" in vague["aligned"].rationale
    looks_only = verdicts(client, "Count the failed readings in data/readings.csv.", [LIST, LOOK])
    assert not looks_only["aligned"].accept
    assert not verdicts(client, "Count the failed readings.", [LOOK] * 6 + [COUNT_ERRORS])["reasonable"].accept


@needs_bubblewrap
def test_the_committee_keeps_between_30_and_85_percent(client: openai.OpenAI, episodes: list) -> None:
    kept, total = ROLES.committee_keeps(client, episodes)
    assert 0.3 <= kept / total <= 0.85, f"kept {kept} of {total}"


def test_the_skill_is_picked_by_the_action_language() -> None:
    from lbi.models.offline.skill import skill_for

    assert type(skill_for(ACTION_LANGUAGE)).__name__ == "ShellSkill"
    assert type(skill_for("SQL (SQLite dialect)")).__name__ == "SqlSkill"
    assert Path(HANDBOOK_DIR).is_dir()
