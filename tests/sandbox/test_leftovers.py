"""kill -9 in the middle of a rollout leaves a sandbox's files, tmpfs and cgroup and a temporary Prefect
server behind; `lbi clean` (and, for the files and cgroups, the next run) reclaims them, and nothing of a
live process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lbi.models.offline.server import running
from lbi.sandbox import leftovers
from lbi.sandbox.base import SandboxLimits
from lbi.sandbox.bubblewrap import BubblewrapBackend
from lbi.sandbox.cgroup import ROOT as CGROUP_ROOT
from tests.sandbox.backends import needs_bubblewrap

pytestmark = needs_bubblewrap
ARGS = ["--env", "shell-project-v0", "--max-docs", "1", "--instructions-per-doc", "2", "--max-steps", "4",
        "--max-span-steps", "2"]


def _owned_by(pid: int) -> list[int]:
    """Live processes marked as started by the lbi process ``pid``."""
    marker = f"{leftovers.OWNER_VARIABLE}={pid}:".encode()
    found = []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and any(item.startswith(marker) for item in
                                            Path(entry.path, "environ").read_bytes().split(b"\0")):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _cgroups_of(pid: int) -> list[str]:
    return sorted(str(p) for p in CGROUP_ROOT.rglob(f"lbi-sandbox-{pid}-*")) if CGROUP_ROOT.is_dir() else []


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_what_a_dead_process_left_is_reclaimed_and_a_live_ones_is_not(tmp_path: Path) -> None:
    dead = _dead_pid()
    theirs = tmp_path / f"lbi-sandbox-{dead}-abc"
    mine = BubblewrapBackend(workdir=tmp_path).open(None, SandboxLimits(disk_mb=16))
    theirs.mkdir()
    (theirs / "home" / "deep").mkdir(parents=True)
    sqlite_dir = tmp_path / f"lbi-sqlite-{dead}-episode-xyz"
    sqlite_dir.mkdir()
    try:
        assert sorted(leftovers.reclaim_directories(tmp_path)) == sorted([theirs, sqlite_dir])
        assert mine.root is not None and mine.root.exists() and mine.run("true", timeout_s=5).ok
    finally:
        mine.close()


@pytest.mark.usefixtures("lbi_env")
def test_kill_9_mid_rollout_then_lbi_clean_leaves_nothing(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(TMPDIR=str(temporary), PREFECT_HOME=str(tmp_path / "prefect"))
    with running(latency_ms=300) as slow_model:
        env["LBI_MODEL_BASE_URL"] = slow_model
        process = subprocess.Popen([sys.executable, "-m", "lbi", "synthesize", *ARGS], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline, seen = time.monotonic() + 240, set()
        while True:  # a rollout's sandbox: one still open 0.2 s after it was first seen (a reset's is shorter)
            owning = _owned_by(process.pid)  # scanning /proc takes a while: before the look, not between it and the kill
            open_now = set(temporary.glob("lbi-sandbox-*"))
            if open_now & seen and owning:
                break
            seen = open_now
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the run never reached its rollouts"
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    time.sleep(0.5)
    assert any(temporary.glob("lbi-sandbox-*")), "killed too late to mean anything"

    cleaned = subprocess.run([sys.executable, "-m", "lbi", "clean", "--dir", str(temporary)], env=env,
                             capture_output=True, text=True, timeout=120)
    assert cleaned.returncode == 0, cleaned.stderr[-2000:]
    assert list(temporary.iterdir()) == []
    assert str(temporary) not in Path("/proc/self/mountinfo").read_text()
    assert _cgroups_of(process.pid) == []
    assert _owned_by(process.pid) == [], "the temporary Prefect server is gone"
