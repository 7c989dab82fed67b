"""Training samples: for every step, the actor's prompt at that step and its action, then STOP after the
last step; the same example as one conversation with weighted assistant turns."""

from __future__ import annotations

from types import SimpleNamespace

from lbi.envs import registry
from lbi.method.samples import action_samples, conversation
from lbi.prompts import act
from lbi.prompts.render import Turn

SPEC = registry.spec("sqlite-chinook-v0")
STEPS = [
    SimpleNamespace(action="SELECT name FROM sqlite_master", observation="Track", observation_error=False),
    SimpleNamespace(action="SELECT count(*) FROM Trak", observation="no such table", observation_error=True),
    SimpleNamespace(action="SELECT count(*) FROM Track", observation="3503", observation_error=False),
]


def test_one_sample_per_step_then_stop_whose_prompt_is_the_actors_prompt_at_that_step() -> None:
    samples = list(action_samples(SPEC, "Count the tracks.", "start", STEPS))
    assert [s.step for s in samples] == [1, 2, 3, 4]
    assert samples[0].messages == act.build(SPEC, "Count the tracks.", [], "start")
    assert samples[1].messages == act.build(SPEC, "Count the tracks.", [Turn(STEPS[0].action, "Track")], "Track")
    history = [Turn(s.action, s.observation) for s in STEPS]
    assert samples[3].messages == act.build(SPEC, "Count the tracks.", history, "3503")
    assert act.parse(samples[3].target, SPEC.limits.max_action_chars).stop


def test_targets_are_answers_the_actors_parser_reads_back_with_or_without_a_reason() -> None:
    limit = SPEC.limits.max_action_chars
    bare = [act.parse(s.target, limit) for s in action_samples(SPEC, "Count the tracks.", "start", STEPS)]
    assert [(d.reason, d.action) for d in bare] == [("", s.action) for s in STEPS] + [("", act.STOP)]
    reasons = ["List the tables.", "Count its rows.", "Fix the name.", "The count is shown."]
    given = [act.parse(s.target, limit) for s in action_samples(SPEC, "Count the tracks.", "start", STEPS, reasons)]
    assert [d.reason for d in given] == reasons


def test_an_example_without_steps_has_only_its_stop_sample() -> None:
    (only,) = action_samples(SPEC, "Nothing.", "start", [])
    assert only.target == f"ACTION: {act.STOP}"


def test_the_conversation_alternates_observations_and_weighted_actions() -> None:
    messages = conversation(SPEC, "Count the tracks.", "start", STEPS)
    assert messages[:2] == act.build(SPEC, "Count the tracks.", [], "start")
    assert [m["role"] for m in messages[2:]] == ["assistant", "user"] * 3 + ["assistant"]
    assistant = [m for m in messages if m["role"] == "assistant"]
    assert [m["weight"] for m in assistant] == [1, 0, 1, 1], "the failing action is context, not taught"
    assert [act.parse(m["content"], 9999).action for m in assistant] == [s.action for s in STEPS] + [act.STOP]
    assert all("weight" not in m for m in messages if m["role"] != "assistant")
