"""Every role of the offline model answers in its contract, over real HTTP, and plays plausibly on Chinook."""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest

from lbi.envs.base import EnvSpec, Limits
from lbi.prompts import act
from lbi.prompts.parsing import ParseFailure
from lbi.prompts.render import Turn
from tests.models.offline_roles import JUDGES, Roles, ask

SPEC = EnvSpec(id="sqlite-chinook-v0", family="sqlite", description="SQL over the Chinook music-store database.",
               action_language="SQL (SQLite dialect), exactly one statement per action")
CHUNKS = (
    "### Track (3503 rows)\n| Column | Type |\n|---|---|\n| TrackId | INTEGER |\n| Name | NVARCHAR(200) |\n"
    "| GenreId | INTEGER | -> Genre.GenreId |\n| Milliseconds | INTEGER | duration |\n| UnitPrice | NUMERIC |",
    "## Sales\nEach Invoice belongs to a Customer; Total is the invoice amount and BillingCountry says where "
    "it was billed. Customers live in many countries: USA, Canada, Brazil, France.",
    "The ORDER BY clause sorts the rows a SELECT returns; ASC and DESC choose the direction. "
    "LIMIT caps the number of rows.",
    "Core functions: upper(X) returns X converted to upper case; length(X) returns the number of characters in X.",
    "Aggregate functions avg(X), count(*), max(X), min(X) and sum(X) compute one value over a group of rows; "
    "GROUP BY forms the groups.",
    "The LIKE operator does a pattern-matching comparison; a percent sign matches any sequence of characters.",
    "A JOIN combines rows from two tables, such as Album and Artist, on matching keys.",
)
COUNT_ROCK = Turn("SELECT COUNT(*) FROM Track WHERE GenreId = 1", "COUNT(*)\n1297\n(1 row)")
ROCK_ID = Turn("SELECT GenreId FROM Genre WHERE Name = 'Rock'", "GenreId\n1\n(1 row)")
TRACK_COLUMNS = Turn("PRAGMA table_info(Track)", "cid | name | type | notnull | dflt_value | pk\n"
                     "0 | TrackId | INTEGER | 1 | NULL | 1\n1 | Name | NVARCHAR(200) | 1 | NULL | 0\n(2 rows)")
TYPO = Turn("SELECT COUNT(*) FROM Track WHERE GenrId = 1", "Error: no such column: GenrId")


@pytest.fixture(scope="module")
def client(offline_model: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=offline_model, api_key="offline")


ROLES = Roles(SPEC, "Chinook, 11 tables.")
proposed, labelled, verdicts = ROLES.proposed, ROLES.labelled, ROLES.verdicts


def test_the_task_proposer_writes_n_distinct_tasks_grounded_in_the_chunk(client: openai.OpenAI) -> None:
    tasks = proposed(client, CHUNKS[0], n=5)
    assert len(tasks) == len(set(tasks)) == 5
    assert sum(bool(re.search(r"\btracks?\b", t, re.IGNORECASE)) for t in tasks) >= 3
    assert any(re.search(r"longest|upper case|capital|names? with the most", t) for t in proposed(client, CHUNKS[3]))
    assert any(re.search(r"\bcountry|countries|USA|Canada|Brazil|France\b", t) for t in proposed(client, CHUNKS[1]))


def test_unknown_roles_and_action_languages_get_polite_prose(client: openai.OpenAI) -> None:
    unknown_role = ask(client, [{"role": "system", "content": "Role: poet"}, {"role": "user", "content": "A poem?"}])
    assert unknown_role and "offline" in unknown_role
    prolog = EnvSpec(id="prolog-v0", family="prolog", description="A Prolog top level.",
                     action_language="Prolog, one goal per action")
    answer = ask(client, act.build(prolog, "List the facts.", [], "?-"))
    assert "Prolog" in answer and isinstance(act.parse(answer, 1000), ParseFailure)


@pytest.fixture(scope="module")
def episodes(client: openai.OpenAI, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, list[Turn]]]:
    """Rollouts of the proposed tasks in the real SQLite environment: (task, initial observation, turns)."""
    pytest.importorskip("lbi.envs.sqlite.env", reason="the SQLite environment (lbi/envs/sqlite) is not there yet")
    from lbi.envs.registry import make

    env = make("sqlite-chinook-v0", cache_dir=Path(tmp_path_factory.mktemp("chinook")),
               limits=Limits(max_observation_chars=1000))
    rollouts = []
    with env:
        for task in [t for chunk in CHUNKS for t in proposed(client, chunk)]:
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


def test_the_actors_sql_runs_on_chinook_and_mostly_succeeds(episodes: list) -> None:
    actions = [t for _, _, turns in episodes for t in turns]
    failed = [t for t in actions if t.observation.startswith("Error")]
    assert len(failed) <= 0.15 * len(actions), failed
    assert all(1 <= len(turns) <= 6 for _, _, turns in episodes)
    assert sum(2 <= len(turns) <= 5 for _, _, turns in episodes) >= 0.8 * len(episodes)
    assert all(not turns[-1].observation.startswith("Error") for _, _, turns in episodes)
    recoveries = [turns for _, _, turns in episodes
                  if any(a.observation.startswith("Error") and not b.observation.startswith("Error")
                         for a, b in zip(turns, turns[1:]))]
    assert recoveries, "no episode corrected a failed first attempt"


def test_the_actor_is_deterministic_for_a_given_task_and_history(client: openai.OpenAI) -> None:
    messages = act.build(SPEC, "How many tracks belong to the Rock genre?", [ROCK_ID], ROCK_ID.observation)
    assert ask(client, messages, "offline-actor") == ask(client, messages, "offline-actor")


def test_the_task_labeler_says_what_the_last_query_did(client: openai.OpenAI) -> None:
    assert re.search(r"tracks whose genre id is 1\.$", labelled(client, "task", [COUNT_ROCK]).instruction)
    assert "tracks whose genre is 'Rock'" in labelled(client, "task", [ROCK_ID, COUNT_ROCK]).instruction
    assert "columns of the Track table" in labelled(client, "task", [TRACK_COLUMNS]).instruction


def test_the_replicate_labeler_summarizes_each_step(client: openai.OpenAI) -> None:
    result = labelled(client, "replicate", [TRACK_COLUMNS, TYPO, COUNT_ROCK])
    assert len(result.summary) == 3
    assert "failed" in result.summary[1] and "GenrId" in result.summary[1]
    assert "1297" in result.summary[2] and "1297" in result.instruction


def test_every_span_of_every_episode_gets_labels_that_parse(client: openai.OpenAI, episodes: list) -> None:
    ROLES.assert_every_span_labels(client, episodes[:6])


def test_the_judge_accepts_a_good_example_and_rejects_bad_ones_with_reasons(client: openai.OpenAI) -> None:
    good = verdicts(client, "Count the tracks whose genre is 'Rock'.", [ROCK_ID, COUNT_ROCK])
    assert all(v.accept for v in good.values()), good
    ends_in_error = verdicts(client, "Count the tracks whose genre id is 1.", [TRACK_COLUMNS, TYPO])
    assert not ends_in_error["aligned"].accept and "fails" in ends_in_error["aligned"].rationale
    schema_only = verdicts(client, "Count the tracks whose genre id is 1.", [TRACK_COLUMNS, TRACK_COLUMNS])
    assert not schema_only["aligned"].accept and not schema_only["natural"].accept
    assert not verdicts(client, "Count the tracks whose genre id is 1.", [TYPO, TYPO, COUNT_ROCK])["coherent"].accept
    vague = verdicts(client, "Run a query on the Chinook database.", [COUNT_ROCK])
    assert not vague["aligned"].accept and "Track" in vague["aligned"].rationale
    too_long = verdicts(client, "Count the tracks whose genre id is 1.", [TRACK_COLUMNS] * 6 + [COUNT_ROCK])
    assert not too_long["reasonable"].accept


def test_two_judges_sometimes_disagree_but_each_is_deterministic(client: openai.OpenAI) -> None:
    borderline = [(f"Show the columns of the {t} table.", [Turn(f"PRAGMA table_info({t})", "cid | name\n(3 rows)")])
                  for t in ("Track", "Album", "Artist", "Genre", "Invoice", "Customer", "Employee", "Playlist")]
    by_judge = {model: [{c: v.accept for c, v in verdicts(client, i, turns, model).items()} for i, turns in borderline]
                for model in JUDGES}
    assert by_judge[JUDGES[0]] != by_judge[JUDGES[1]]
    again = [{c: v.accept for c, v in verdicts(client, i, turns, JUDGES[0]).items()} for i, turns in borderline]
    assert again == by_judge[JUDGES[0]]


def test_the_committee_keeps_between_30_and_80_percent_of_examples(client: openai.OpenAI, episodes: list) -> None:
    kept, total = ROLES.committee_keeps(client, episodes)
    assert 0.3 <= kept / total <= 0.8, f"kept {kept} of {total}"
