"""The web family's containment beyond the hostile suite: a page's endless script, dialogs, popups, downloads
and a huge page are bounded; every episode has its own profile and copy; the browser and the server never
outlive the episode, also when the run is killed with kill -9 (and the next start reaps what is left)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lbi.envs.base import Limits
from lbi.envs.web.browser import MAX_TABS
from lbi.envs.web.env import WebEnv
from tests.envs.web_hostile_app import START, make_hostile_app
from tests.envs.web_processes import leftover_processes

LIMITS = Limits(action_timeout_s=2.0, max_observation_chars=3000)


@pytest.fixture
def env(tmp_path: Path):
    environment = WebEnv("hostile-v0", app=str(make_hostile_app(tmp_path)), start=START, limits=LIMITS,
                         workdir=tmp_path / "work", screenshots_dir=tmp_path / "shots")
    environment.reset()
    yield environment
    environment.close()
    assert leftover_processes() == []


def button(env: WebEnv, name: str) -> str:
    return next(e.id for e in env.page_elements.values() if e.name == name)


def test_an_endless_script_is_bounded_and_the_next_action_works(env: WebEnv) -> None:
    started = time.monotonic()
    observation = env.step(f"click({button(env, 'Loop forever')})").observation
    assert time.monotonic() - started < 25
    assert observation.error and "stopped answering" in observation.text
    assert not env.step("scroll('down')").observation.error


def test_dialogs_are_dismissed_and_said(env: WebEnv) -> None:
    observation = env.step(f"click({button(env, 'Alert')})").observation
    assert "alert dialog was dismissed: 'hello'" in observation.text


def test_popups_are_bounded(env: WebEnv) -> None:
    observation = env.step(f"click({button(env, 'Open popups')})").observation
    assert f"at most {MAX_TABS} tabs" in observation.text
    assert observation.text.count(" Hostile") <= MAX_TABS + 1
    assert not env.step("tab_focus(0)").observation.error


def test_downloads_are_refused(env: WebEnv, tmp_path: Path) -> None:
    observation = env.step(f"click({button(env, 'Download')})").observation
    assert "download (payload.bin) was refused" in observation.text
    assert not [p for p in tmp_path.rglob("payload.bin")]


def test_a_huge_page_is_bounded(env: WebEnv) -> None:
    started = time.monotonic()
    observation = env.step(f"click({button(env, 'Huge')})").observation
    assert time.monotonic() - started < 60  # bounded, not fast: a busy 2-core machine reads 60,000 links slowly
    assert len(observation.text) <= LIMITS.max_observation_chars


def test_screenshots_are_stored_for_people(env: WebEnv, tmp_path: Path) -> None:
    env.step("scroll('down')")
    shots = sorted((tmp_path / "shots").rglob("*.jpg"))
    assert [p.name for p in shots] == ["step-000.jpg", "step-001.jpg"]
    assert shots[0].read_bytes()[:2] == b"\xff\xd8"


def test_every_episode_has_its_own_profile_and_copy(tmp_path: Path) -> None:
    state = make_hostile_app(tmp_path)
    first = WebEnv("a-v0", app=str(state), start=START, workdir=tmp_path / "a")
    second = WebEnv("b-v0", app=str(state), start=START, workdir=tmp_path / "b")
    try:
        first.reset(), second.reset()
        assert first.state_path != second.state_path and first.state_path.is_dir() and second.state_path.is_dir()
        assert (first.state_path.parent / "profile").is_dir() and (second.state_path.parent / "profile").is_dir()
        assert first.url == second.url == "/"
    finally:
        first.close(), second.close()
    assert leftover_processes() == []


RUN = """
import sys, time
from lbi.envs.web.env import WebEnv
env = WebEnv("killed-v0", app=sys.argv[1], start=sys.argv[2], workdir=sys.argv[3])
env.reset()
print(env.state_path.parent, flush=True)
time.sleep(600)
"""


def processes_of(episode: Path) -> list[int]:
    marker = str(episode).encode()
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                    if marker in handle.read():
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_nothing_outlives_a_run_killed_with_kill_9(tmp_path: Path) -> None:
    state = make_hostile_app(tmp_path)
    run = subprocess.Popen([sys.executable, "-c", RUN, str(state), START, str(tmp_path / "work")],
                           stdout=subprocess.PIPE, text=True)
    episode = Path(run.stdout.readline().strip())
    assert processes_of(episode), "the episode's server and browser run"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 15
    while processes_of(episode) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(episode) == [], "the server and the browser died with the run"
    assert episode.is_dir(), "the killed run could not clean up its files"
    with WebEnv("next-v0", app=str(state), start=START, workdir=tmp_path / "next") as env:
        env.reset()
    assert not episode.exists(), "the next start reaped what the killed run left"
