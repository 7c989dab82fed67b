"""Every role of the offline model answers in its contract, over real HTTP, and plays plausibly on any SQLite
database: Chinook and a clinic database it has never seen, read from what each episode shows."""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest

from lbi.envs.base import EnvSpec, Limits
from lbi.envs.sqlite.env import SqliteEnv
from lbi.envs.sqlite.offline.statements import tables_used
from lbi.method.roles import Role
from lbi.prompts import act
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn
from tests.envs import outside_clinic
from tests.models.offline_roles import JUDGES, Roles, ask

ACTION_LANGUAGE = "SQL (SQLite dialect), exactly one statement per action"
CHINOOK_CHUNKS = (
    "### Track (3503 rows)\n| Column | Type |\n|---|---|\n| TrackId | INTEGER |\n| Name | NVARCHAR(200) |\n"
    "| GenreId | INTEGER | -> Genre.GenreId |\n| Milliseconds | INTEGER | duration |\n| UnitPrice | NUMERIC |",
    "## Sales\nEach Invoice belongs to a Customer; Total is the invoice amount and BillingCountry says where "
    "it was billed. Customers live in many countries.",
    "Aggregate functions avg(X), count(*), max(X), min(X) and sum(X) compute one value over a group of rows; "
    "GROUP BY forms the groups; ORDER BY sorts them.",
    "A JOIN combines rows from two tables, such as Album and Artist, on matching keys.",
)
CLINIC_CHUNKS = tuple(outside_clinic.DOCS.values()) + (
    "The DISTINCT keyword keeps one row of each set of duplicates; IS NULL tests for a missing value.",)
COUNT_DONE = Turn("SELECT COUNT(*) FROM \"Patient Visits\" WHERE status = 'done'", "COUNT(*)\n180\n(1 row)")
VISIT_COLUMNS = Turn('PRAGMA table_info("Patient Visits")', "cid | name | type | notnull | dflt_value | pk\n"
                     "0 | visit_id | INTEGER | 0 | NULL | 1\n1 | patient_id | INTEGER | 1 | NULL | 0\n(2 rows)")
TYPO = Turn("SELECT COUNT(*) FROM \"Patient Visits\" WHERE stats = 'done'", "Error: no such column: stats")


@pytest.fixture(scope="module")
def client(offline_model: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=offline_model, api_key="offline")


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[SqliteEnv, Roles, tuple[str, ...]]]:
    """Per database: its environment, the roles asked with its opening overview, its documentation chunks."""
    clinic_db, _ = outside_clinic.build(tmp_path_factory.mktemp("clinic"))
    made = {}
    for name, database, chunks in (("chinook", "chinook", CHINOOK_CHUNKS), ("clinic", str(clinic_db), CLINIC_CHUNKS)):
        env = SqliteEnv(f"sqlite-{name}-v0", database=database, limits=Limits(max_observation_chars=1000),
                        cache_dir=Path(tmp_path_factory.mktemp(name)))
        spec = EnvSpec(id=env.spec.id, family="sqlite", description=env.spec.description,
                       action_language=ACTION_LANGUAGE)
        made[name] = (env, Roles(spec, env.reset().text), chunks)
    yield made
    for env, _, _ in made.values():
        env.close()


def test_the_proposer_writes_distinct_tasks_on_the_tables_that_exist(client: openai.OpenAI, databases: dict) -> None:
    chinook, clinic = databases["chinook"][1], databases["clinic"][1]
    tasks = chinook.proposed(client, CHINOOK_CHUNKS[0], n=5)
    assert len(tasks) == len(set(tasks)) == 5
    assert sum(bool(re.search(r"\btracks?\b", t, re.IGNORECASE)) for t in tasks) >= 3, tasks
    clinic_tasks = [t for chunk in CLINIC_CHUNKS for t in clinic.proposed(client, chunk, n=4)]
    assert not [t for t in clinic_tasks if re.search(r"\b(?:tracks?|albums?|invoices?|genres?)\b", t, re.I)]
    assert all(re.search(r"\b(?:patient visits?|doctors?|patients?|medications?|prescriptions?)\b", t, re.I)
               for t in clinic_tasks), clinic_tasks
    assert sum("visit" in t.lower() for t in clinic.proposed(client, CLINIC_CHUNKS[0], n=3)) >= 2


def test_writes_are_proposed_only_where_the_document_talks_of_changing_data(client: openai.OpenAI,
                                                                             databases: dict) -> None:
    clinic = databases["clinic"][1]
    changes = re.compile(r"^(?:Delete|Increase|Add)\b")
    assert any(changes.match(t) for t in clinic.proposed(client, CLINIC_CHUNKS[1], n=6))
    assert not any(changes.match(t) for t in clinic.proposed(client, CLINIC_CHUNKS[0], n=6))


def test_unknown_roles_and_families_get_polite_prose(client: openai.OpenAI, databases: dict) -> None:
    unknown_role = ask(client, [{"role": "user", "content": "A poem?"}], role="poet", family="sqlite")
    assert unknown_role and "offline" in unknown_role
    prolog = EnvSpec(id="prolog-v0", family="prolog", description="A Prolog top level.",
                     action_language="Prolog, one goal per action")
    answer = ask(client, act.build(prolog, "List the facts.", [], "?-"), role=Role.ACTOR, family="prolog")
    assert "prolog" in answer and isinstance(act.parse(answer, 1000), ParseFailure)


@pytest.fixture(scope="module")
def episodes(client: openai.OpenAI, databases: dict) -> dict[str, list[tuple[str, str, list[Turn]]]]:
    """Rollouts of the proposed tasks in each real database: (task, initial observation, turns)."""
    rollouts: dict[str, list] = {}
    for name, (env, roles, chunks) in databases.items():
        rollouts[name] = []
        for task in [t for chunk in chunks for t in roles.proposed(client, chunk)]:
            observation = env.reset()
            initial, turns = observation.text, []
            for _ in range(8):
                decision = act.parse(roles.acted(client, task, turns, observation.text), 2000)
                assert not isinstance(decision, ParseFailure), decision
                if decision.stop:
                    break
                observation = env.step(decision.action).observation
                turns.append(Turn(decision.action, observation.text))
            rollouts[name].append((task, initial, turns))
    return rollouts


@pytest.mark.parametrize("name", ["chinook", "clinic"])
def test_the_actors_sql_uses_only_what_exists_and_mostly_succeeds(episodes: dict, name: str) -> None:
    runs = episodes[name]
    actions = [t for _, _, turns in runs for t in turns]
    failed = [t for t in actions if t.observation.startswith("Error")]
    assert len(failed) <= 0.15 * len(actions), failed
    assert not [t for t in failed if "no such table" in t.observation], failed
    assert all(1 <= len(turns) <= 6 for _, _, turns in runs)
    assert sum(2 <= len(turns) <= 5 for _, _, turns in runs) >= 0.6 * len(runs)
    assert all(not turns[-1].observation.startswith("Error") for _, _, turns in runs)
    existing = {line.split(" (")[0].strip().lower() for line in runs[0][1].splitlines() if line.startswith("  ")}
    assert {t.lower() for turn in actions for t in tables_used(turn.action)} <= existing


def test_some_episode_corrects_a_failed_first_attempt(episodes: dict) -> None:
    recoveries = [turns for runs in episodes.values() for _, _, turns in runs
                  if any(a.observation.startswith("Error") and not b.observation.startswith("Error")
                         for a, b in zip(turns, turns[1:]))]
    assert recoveries, "no episode corrected a failed first attempt"


def test_the_actor_is_deterministic_for_a_given_task_and_history(client: openai.OpenAI, databases: dict) -> None:
    roles = databases["clinic"][1]
    task = "How many patient visits are there in the database?"
    assert roles.acted(client, task, [VISIT_COLUMNS], VISIT_COLUMNS.observation) == \
        roles.acted(client, task, [VISIT_COLUMNS], VISIT_COLUMNS.observation)


def test_a_task_it_did_not_propose_is_explored_then_queried(client: openai.OpenAI, databases: dict) -> None:
    env, roles, _ = databases["clinic"]
    task, observation, turns = "Which doctor earns the highest salary?", env.reset().text, []
    while len(turns) < 6:
        decision = act.parse(roles.acted(client, task, turns, observation), 2000)
        if decision.stop:
            break
        observation = env.step(decision.action).observation.text
        turns.append(Turn(decision.action, observation))
    assert [tables_used(t.action) for t in turns][-1] == ["doctors"], turns
    assert "salary" in turns[-1].action and not turns[-1].observation.startswith("Error"), turns


def test_the_task_labeler_says_what_the_last_query_did(client: openai.OpenAI, databases: dict) -> None:
    roles = databases["clinic"][1]
    assert re.search(r"patient visits whose status is 'done'\.$", roles.labelled(client, "task", [COUNT_DONE]).instruction)
    assert "columns of the Patient Visits table" in roles.labelled(client, "task", [VISIT_COLUMNS]).instruction


def test_the_replicate_labeler_summarizes_each_step(client: openai.OpenAI, databases: dict) -> None:
    result = databases["clinic"][1].labelled(client, "replicate", [VISIT_COLUMNS, TYPO, COUNT_DONE])
    assert len(result.summary) == 3
    assert "failed" in result.summary[1] and "stats" in result.summary[1]
    assert "180" in result.summary[2] and "180" in result.instruction


def test_every_span_of_every_episode_gets_labels_that_parse(client: openai.OpenAI, databases: dict,
                                                            episodes: dict) -> None:
    for name in episodes:
        databases[name][1].assert_every_span_labels(client, episodes[name][:5])


def test_the_judge_accepts_a_good_example_and_rejects_bad_ones_with_reasons(client: openai.OpenAI,
                                                                            databases: dict) -> None:
    verdicts = databases["clinic"][1].verdicts
    instruction = "Count the patient visits whose status is 'done'."
    good = verdicts(client, instruction, [VISIT_COLUMNS, COUNT_DONE])
    assert all(v.accept for v in good.values()), good
    ends_in_error = verdicts(client, instruction, [VISIT_COLUMNS, TYPO])
    assert not ends_in_error["aligned"].accept and "fails" in ends_in_error["aligned"].rationale
    schema_only = verdicts(client, instruction, [VISIT_COLUMNS, VISIT_COLUMNS])
    assert not schema_only["aligned"].accept and not schema_only["natural"].accept
    assert not verdicts(client, instruction, [TYPO, COUNT_DONE])["coherent"].accept
    vague = verdicts(client, "Run a query on the database.", [COUNT_DONE])
    assert not vague["aligned"].accept and "Patient Visits" in vague["aligned"].rationale
    no_value = verdicts(client, "Count the patient visits.", [COUNT_DONE])
    assert "'done'" in no_value["aligned"].rationale
    too_long = verdicts(client, instruction, [VISIT_COLUMNS] * 6 + [COUNT_DONE])
    assert not too_long["reasonable"].accept


def test_two_judges_sometimes_disagree_but_each_is_deterministic(client: openai.OpenAI, databases: dict) -> None:
    verdicts = databases["clinic"][1].verdicts
    borderline = [(f"Show the columns of the {t} table.", [Turn(f'PRAGMA table_info("{t}")', "cid | name\n(3 rows)")])
                  for t in outside_clinic.TABLES + ("Album", "Artist", "Genre")]
    by_judge = {model: [{c: v.accept for c, v in verdicts(client, i, turns, model).items()} for i, turns in borderline]
                for model in JUDGES}
    assert by_judge[JUDGES[0]] != by_judge[JUDGES[1]]
    again = [{c: v.accept for c, v in verdicts(client, i, turns, JUDGES[0]).items()} for i, turns in borderline]
    assert again == by_judge[JUDGES[0]]


@pytest.mark.parametrize("name", ["chinook", "clinic"])
def test_the_committee_keeps_between_30_and_80_percent_of_examples(client: openai.OpenAI, databases: dict,
                                                                   episodes: dict, name: str) -> None:
    kept, total = databases[name][1].committee_keeps(client, episodes[name])
    assert 0.3 <= kept / total <= 0.8, f"kept {kept} of {total}"
