"""Action-prediction samples: for every step, the actor's prompt at that step and the answer it gave."""

from __future__ import annotations

from types import SimpleNamespace

from lbi.envs import registry
from lbi.method.samples import NO_REASON, action_samples
from lbi.prompts import act
from lbi.prompts.render import Turn

SPEC = registry.spec("sqlite-chinook-v0")
STEPS = [
    SimpleNamespace(reason="Find the table.", action="SELECT name FROM sqlite_master", observation="Track"),
    SimpleNamespace(reason="", action="SELECT count(*) FROM Track", observation="3503"),
]


def test_one_sample_per_step_whose_prompt_is_the_actors_prompt_at_that_step() -> None:
    samples = list(action_samples(SPEC, "Count the tracks.", "start", STEPS))
    assert [s.step for s in samples] == [1, 2]
    assert samples[0].messages == act.build(SPEC, "Count the tracks.", [], "start")
    assert samples[1].messages == act.build(SPEC, "Count the tracks.", [Turn(STEPS[0].action, "Track")], "Track")


def test_the_target_is_an_answer_the_actors_parser_reads_back_as_that_step() -> None:
    first, second = action_samples(SPEC, "Count the tracks.", "start", STEPS)
    decision = act.parse(first.target, SPEC.limits.max_action_chars)
    assert (decision.reason, decision.action) == ("Find the table.", STEPS[0].action)
    assert act.parse(second.target, SPEC.limits.max_action_chars).reason == NO_REASON


def test_an_example_without_steps_has_no_sample() -> None:
    assert list(action_samples(SPEC, "Nothing.", "start", [])) == []
