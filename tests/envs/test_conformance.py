"""The environment contract (docs/environments.md), checked on every built-in environment: types, a
deterministic reset, bounded observations, the time limit, and close releasing everything.

Every environment the registry holds is checked, the tests' own family (tests/envs/kv) included. A new
environment family adds its probes to ``PROBES``; the first test fails until it does.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from lbi.envs import registry
from lbi.envs.base import Environment, EnvSpec, Limits, Observation, StepResult
from lbi.sandbox.base import SandboxUnavailable


@dataclass(frozen=True)
class Probes:
    ok: str  # succeeds
    noisy: str  # prints far more than an observation may hold
    runaway: str  # would run forever
    changes: str  # changes the episode's state


PROBES = {
    "sqlite": Probes("SELECT 1", "SELECT * FROM Track",
                     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c",
                     "DELETE FROM InvoiceLine"),
    "shell": Probes("true", "seq 1 100000", "sleep 1000", "rm -rf data && git branch -D feature/wind-alerts"),
    "kv": Probes("keys", "get noise", "wait 1000", "del red"),  # the tests' own family (tests/envs/kv)
    "web": Probes("scroll('down')", "goto('/query?max=500')", "noop(1000000)", "click(40)"),  # 40: Trac's Logout
    "python-repo": Probes("true", "seq 1 100000", "sleep 1000", 'insert("README.md", 0, "changed\\n")'),
}
LIMITS = Limits(action_timeout_s=0.5, max_observation_chars=500)
ROOMY = Limits(action_timeout_s=30, max_observation_chars=500)  # for an action that is slow only on a loaded machine
SLACK_S = 2.0


@pytest.fixture(params=registry.builtin())
def env_id(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def env(env_id: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Environment]:
    """The environment under the test's ``limits`` mark, if it has one, else under ``LIMITS``."""
    mark = request.node.get_closest_marker("limits")
    environment = registry.make(env_id, limits=mark.args[0] if mark else LIMITS, workdir=tmp_path / "work")
    try:
        environment.reset()
    except SandboxUnavailable as error:
        pytest.skip(f"{env_id} needs a sandbox: {error}")
    yield environment
    environment.close()


def probes(env: Environment) -> Probes:
    return PROBES[env.spec.family]


def children() -> set[int]:
    me, found = str(os.getpid()), set()
    for entry in os.scandir("/proc"):
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                if entry.name.isdigit() and stat.read().rsplit(")", 1)[1].split()[1] == me:
                    found.add(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def open_files_under(directory: Path) -> list[str]:
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            targets.append(target)
    return targets


def test_every_family_has_probes() -> None:
    for env_id in registry.builtin():
        assert registry.spec(env_id).family in PROBES, f"add probes for {env_id}'s family to PROBES"


def test_types(env: Environment, env_id: str) -> None:
    spec = env.spec
    assert isinstance(spec, EnvSpec) and spec.id == env_id and spec.limits == LIMITS
    assert spec.family and spec.description and spec.action_language
    assert isinstance(spec.docs, tuple) and spec.docs and all(isinstance(p, Path) for p in spec.docs)
    first = env.reset()
    assert isinstance(first, Observation) and isinstance(first.text, str) and first.text
    assert not first.error and len(first.text) <= LIMITS.max_observation_chars
    result = env.step(probes(env).ok)
    assert isinstance(result, StepResult) and isinstance(result.observation, Observation)
    assert isinstance(result.done, bool) and not result.observation.error
    refused = env.step("")
    assert refused.observation.error and not refused.done


def test_reset_is_deterministic_and_fresh(env: Environment, env_id: str, tmp_path: Path) -> None:
    first = env.reset().text
    assert not env.step(probes(env).changes).observation.error
    assert env.reset().text == first
    with registry.make(env_id, limits=LIMITS, workdir=tmp_path / "other") as other:
        assert other.reset().text == first


@pytest.mark.limits(ROOMY)  # a page of 500 tickets once took Trac over 0.5 s to render in CI
def test_observations_are_bounded(env: Environment) -> None:
    observation = env.step(probes(env).noisy).observation
    assert len(observation.text) <= LIMITS.max_observation_chars and observation.truncated


def test_the_time_limit_fires(env: Environment) -> None:
    started = time.monotonic()
    observation = env.step(probes(env).runaway).observation
    assert time.monotonic() - started < LIMITS.action_timeout_s + SLACK_S
    assert observation.error and "timed out" in observation.text
    assert not env.step(probes(env).ok).observation.error


def test_close_releases_everything(env: Environment, tmp_path: Path) -> None:
    before = children()
    env.step(probes(env).ok)
    env.close()
    work = tmp_path / "work"
    assert not work.exists() or list(work.iterdir()) == []
    assert open_files_under(tmp_path) == []
    assert children() <= before
    with pytest.raises(RuntimeError):
        env.step(probes(env).ok)
    env.close()
    assert env.reset().text, "a closed environment can start a new episode"
