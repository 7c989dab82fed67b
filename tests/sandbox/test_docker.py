"""The docker backend against a real engine: skipped, with the reason, where none answers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from lbi.sandbox.base import Sandbox, SandboxLimits
from lbi.sandbox.docker import DockerBackend
from tests.sandbox.backends import needs_docker

pytestmark = needs_docker
LIMITS = SandboxLimits(memory_mb=256, max_processes=32, file_size_mb=4, disk_mb=16, output_bytes=4000,
                       output_ceiling_bytes=1_000_000)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "notes.txt").write_text("hello\n")
    return tmp_path / "tree"


@pytest.fixture
def sandbox(tree: Path) -> Iterator[Sandbox]:
    with DockerBackend().open(tree, LIMITS) as sandbox:
        yield sandbox


def test_commands_run_on_a_copy_as_an_unprivileged_user(sandbox: Sandbox, tree: Path) -> None:
    result = sandbox.run("pwd; cat notes.txt; id -u; echo changed > notes.txt", timeout_s=10)
    assert result.ok and result.output == "/home/user/project\nhello\n1000\n"
    assert (tree / "notes.txt").read_text() == "hello\n"


def test_state_carries_over_and_background_processes_do_not(sandbox: Sandbox) -> None:
    assert sandbox.run("cd /tmp && export COLOR=blue; sleep 30 &", timeout_s=10).ok
    assert sandbox.run('pwd; echo "$COLOR"; pgrep -c sleep || true', timeout_s=10).output == "/tmp\nblue\n0\n"


def test_no_network_no_system_writes_and_bounded_memory(sandbox: Sandbox) -> None:
    result = sandbox.run("echo > /dev/tcp/127.0.0.1/22; touch /usr/x; python3 -c 'bytearray(1024 ** 3)'",
                         timeout_s=10)
    assert "Connection refused" in result.output or "Network is unreachable" in result.output
    assert "Read-only file system" in result.output and ("MemoryError" in result.output or result.exit_code == 137)


def test_time_and_output_limits(sandbox: Sandbox) -> None:
    started = time.monotonic()
    slow = sandbox.run("sleep 30", timeout_s=1)
    assert slow.timed_out and time.monotonic() - started < 5
    flood = sandbox.run("yes", timeout_s=10)
    assert flood.output_stopped and len(flood.output) < LIMITS.output_bytes + 100


def test_a_process_in_a_session_of_its_own_is_ended_at_the_time_limit(sandbox: Sandbox) -> None:
    started = time.monotonic()
    assert sandbox.run("setsid sleep 30", timeout_s=1).timed_out and time.monotonic() - started < 5
    assert sandbox.run("pgrep -c sleep || true", timeout_s=10).output == "0\n"


def test_a_background_process_holding_the_output_does_not_hold_the_command(sandbox: Sandbox) -> None:
    started = time.monotonic()
    result = sandbox.run("sleep 30 & echo started", timeout_s=20)
    assert result.ok and result.output == "started\n" and time.monotonic() - started < 5


def test_close_removes_the_container(tree: Path) -> None:
    sandbox = DockerBackend().open(tree, LIMITS)
    container = sandbox._container
    sandbox.close()
    sandbox.close()
    import docker

    with pytest.raises(docker.errors.NotFound):
        docker.from_env().containers.get(container.id)
