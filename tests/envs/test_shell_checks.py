"""The shell environment's checks on the real bubblewrap sandbox: exact, regex, empty, all-of, reference command."""

from __future__ import annotations

from typing import Iterator

import pytest
from pydantic import ValidationError

from lbi.envs.checks import normalized_whitespace, parse_check
from lbi.envs.registry import make
from lbi.envs.shell.checks import (AllOf, Check, OutputContains, OutputEmpty, OutputEquals, OutputRegex, SameOutputAs,
                                   State)
from lbi.envs.shell.env import ShellEnv
from tests.sandbox.backends import needs_bubblewrap


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShellEnv]:
    with make("shell-project-v0", workdir=tmp_path_factory.mktemp("work")) as environment:
        yield environment


def after(env: ShellEnv, *commands: str) -> ShellEnv:
    env.reset()
    for command in commands:
        env.step(command)
    return env


def test_whitespace_is_normalised_line_ends_blanks_and_ends() -> None:
    assert normalized_whitespace("  a \t b  \r\n\r\n c\r d \n\n") == "a b\n\nc\nd"
    assert OutputEquals(text="3 ST04").judge("      3 ST04\n").success
    assert OutputEquals(text="a\nb").judge("a  \r\nb\r\n").success
    assert OutputEquals(text="a b").judge("a  b").success
    assert not OutputEquals(text="a b", normalize_whitespace=False).judge("a  b").success
    assert OutputEquals(text="Guarda", ignore_case=True).judge("GUARDA\n").success
    assert not OutputEquals(text="7").judge("7\n8\n").success, "an extra line is a different answer"


@pytest.mark.parametrize("output, found", [
    ("I count 130 entries", False), ("30", True), ("total: 30\n", True), ("30.5", False), ("3.30", False),
    ("30s", False), ("(30)", True), ("30.", True), ("x30", False),
])
def test_output_contains_matches_whole_tokens(output: str, found: bool) -> None:
    assert OutputContains(text="30").judge(output).success is found
    assert OutputContains(text="30", whole_words=False).judge(output).success is ("30" in output)


def test_regex_full_match_by_default_or_search_with_flags() -> None:
    assert OutputRegex(pattern=r"(\d+ )?ST04").judge("   3   ST04\n").success, "whitespace normalised first"
    assert not OutputRegex(pattern=r"(\d+ )?ST04").judge("3 ST04\n2 ST01").success, "fullmatch: nothing else"
    assert OutputRegex(pattern="st04", mode="search", flags=["IGNORECASE"]).judge("3 ST04\n2 ST01").success
    assert OutputRegex(pattern="^2 ST01$", mode="search", flags=["MULTILINE"]).judge("3 ST04\n2 ST01").success
    assert not OutputRegex(pattern="^2 ST01$", mode="search").judge("3 ST04\n2 ST01").success
    with pytest.raises(ValidationError, match="not a regular expression"):
        OutputRegex(pattern="(")
    with pytest.raises(ValidationError):
        OutputRegex(pattern="x", flags=["VERBOSE"])


def test_checks_parse_from_json_and_refuse_unknown_options() -> None:
    nested = {"type": "all_of", "checks": [{"type": "output_empty"}, {"type": "state", "command": "true",
                                                                       "output": {"type": "output_equals", "text": ""}}]}
    assert parse_check(Check, nested) == AllOf(checks=[OutputEmpty(), State(command="true", output=OutputEquals(text=""))])
    with pytest.raises(ValidationError, match="txt"):
        parse_check(Check, {"type": "output_contains", "txt": "x"})


@needs_bubblewrap
def test_exact_output_and_the_130_that_is_not_30(env: ShellEnv) -> None:
    assert env.check(OutputEquals(text="7")).success is False, "no command ran"
    after(env, "grep -c WARNING logs/ingest.log")
    assert env.check(OutputEquals(text="7")).success and env.check(OutputContains(text="7")).success
    after(env, 'echo "I count 130 entries"')
    assert not env.check(OutputEquals(text="30")).success and not env.check(OutputContains(text="30")).success


@needs_bubblewrap
def test_an_answer_that_prints_nothing_can_be_checked(env: ShellEnv) -> None:
    assert not env.check(OutputEmpty()).success, "no command ran"
    after(env, "git ls-files --others --exclude-standard data/")
    assert env.check(OutputEmpty()).success
    after(env, "grep -r no-such-text src")
    assert env.check(OutputEmpty()).success, "grep finding nothing exits 1: still no output"
    after(env, "git ls-files data/")
    verdict = env.check(OutputEmpty())
    assert not verdict.success and "readings.csv" in verdict.detail


@needs_bubblewrap
def test_all_of_needs_every_check(env: ShellEnv) -> None:
    after(env, "sed -i 's/^batch_size = .*/batch_size = 1000/' config/settings.ini", "grep -c batch_size config/settings.ini")
    both = AllOf(checks=[OutputEquals(text="1"),
                         State(command="grep '^batch_size' config/settings.ini", output=OutputEquals(text="batch_size = 1000"))])
    assert env.check(both).success
    after(env, "grep -c batch_size config/settings.ini")
    verdict = env.check(both)
    assert not verdict.success and "1 of 2 checks failed" in verdict.detail


@needs_bubblewrap
def test_same_output_as_a_reference_command_on_a_fresh_copy(env: ShellEnv) -> None:
    reference = SameOutputAs(command="cut -d, -f1 data/readings.csv | tail -n +2 | sort | uniq -c")
    after(env, "tail -n +2 data/readings.csv | cut -d, -f1 | sort | uniq -c | sed 's/^ *//'")
    assert env.check(reference).success, "the same output, whitespace-normalised"
    after(env, "sed -i '/^ST06,/d' data/readings.csv", "tail -n +2 data/readings.csv | cut -d, -f1 | sort | uniq -c")
    changed = env.check(reference)
    assert not changed.success, "the reference runs on a fresh copy, not on the episode's changed files"
    broken = env.check(SameOutputAs(command="cat no-such-file"))
    assert not broken.success and broken.broken_check and "exited with 1" in broken.detail
    assert len(list(env.sandbox.root.parent.iterdir())) == 1, "the reference sandboxes are gone"


@needs_bubblewrap
def test_a_state_check_compares_its_output_exactly(env: ShellEnv) -> None:
    after(env, "sed -i '/^ST06,/d' data/readings.csv")
    assert env.check(State(command="wc -l < data/readings.csv", output=OutputEquals(text="201"))).success
    assert not env.check(State(command="wc -l < data/readings.csv", output=OutputEquals(text="20"))).success
    assert not env.check(State(command="echo 1201", output_contains="201")).success, "whole tokens"
    assert env.check(State(command="git status --porcelain data", output=OutputRegex(pattern="M data/readings.csv"))
                     ).success
