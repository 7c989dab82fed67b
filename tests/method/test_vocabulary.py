"""Stages and criteria are defined once; the judge prompt, its parser, the quality suites, the
gates' records and the order of model calls follow from those definitions."""

from __future__ import annotations

import json

from lbi.envs import registry
from lbi.method.criteria import Criterion
from lbi.method.kinds import InstructionKind
from lbi.method.roles import Role
from lbi.method.stages import Stage
from lbi.prompts import judge
from lbi.prompts.parsing import ParseFailure
from lbi.quality.suites import AFTER_STAGE, SUITES
from lbi.quality.suites import verdicts as verdicts_suite
from tasks.priority import call_priority

SPEC = registry.spec("sqlite-chinook-v0")


def _answer(**overrides: dict) -> str:
    entries = {c: {"verdict": "yes", "rationale": f"fine on {c}"} for c in Criterion}
    return json.dumps({**entries, **overrides})


def test_the_judge_prompt_names_every_criterion_with_its_description_and_asks_for_each() -> None:
    user = judge.build(SPEC, "Count the tracks.", "start", [])[1]["content"]
    assert "on four criteria:" in user
    for criterion in Criterion:
        assert f"- {criterion}: {criterion.description}" in user
        assert f'"{criterion}": {{' in user


def test_the_judge_parser_wants_a_verdict_on_every_criterion_and_nothing_else_counts() -> None:
    parsed = judge.parse(_answer(extra={"verdict": "no", "rationale": "not a criterion"}))
    assert [v.criterion for v in parsed] == list(Criterion) and all(v.accept for v in parsed)
    for criterion in Criterion:
        missing = json.loads(_answer())
        del missing[criterion]
        failure = judge.parse(json.dumps(missing))
        assert isinstance(failure, ParseFailure) and criterion in failure.reason


def test_the_verdicts_suite_checks_the_criteria() -> None:
    assert verdicts_suite.CRITERIA == [str(c) for c in Criterion]


def test_every_stage_has_its_quality_suites() -> None:
    assert set(AFTER_STAGE) == set(Stage)
    assert {name for names in AFTER_STAGE.values() for name in names} == set(SUITES)


def test_an_earlier_stages_call_goes_before_any_later_stages_call() -> None:
    model_stages = [Stage.SELF_INSTRUCT, Stage.ROLLOUT, Stage.BACKWARD, Stage.JUDGE]
    priorities = [(call_priority(stage, 1), call_priority(stage, 10**9)) for stage in model_stages]
    assert all(high < next_low for (_, high), (next_low, _) in zip(priorities, priorities[1:]))
    assert call_priority("rollout", 5) == call_priority(Stage.ROLLOUT, 5)


def test_each_kind_of_instruction_has_its_labeling_role() -> None:
    assert {kind.role for kind in InstructionKind} == {Role.LABEL_TASK, Role.LABEL_REPLICATE}
