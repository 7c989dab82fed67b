"""The bubblewrap backend on the real bwrap: isolation, identity, every limit, and cleanup."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Iterator

import pytest

from lbi.sandbox import uids
from lbi.sandbox.base import CommandResult, Sandbox, SandboxError, SandboxLimits, SandboxUnavailable
from lbi.sandbox.bubblewrap import BubblewrapBackend
from lbi.sandbox.choose import choose_backend
from tests.sandbox.backends import docker_problem, needs_bubblewrap

pytestmark = needs_bubblewrap
LIMITS = SandboxLimits(memory_mb=256, max_processes=32, file_size_mb=4, disk_mb=16, output_bytes=4000,
                       output_ceiling_bytes=1_000_000)
AS_ROOT = os.geteuid() == 0


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "docs").mkdir(parents=True)
    (tree / "notes.txt").write_text("hello\n")
    (tree / "docs" / "guide.md").write_text("# Guide\n")
    return tree


@pytest.fixture
def sandbox(tree: Path, tmp_path: Path) -> Iterator[Sandbox]:
    with BubblewrapBackend(workdir=tmp_path / "work").open(tree, LIMITS) as sandbox:
        yield sandbox


def run(sandbox: Sandbox, command: str, timeout_s: float = 5, fresh: bool = False) -> CommandResult:
    return sandbox.run(command, timeout_s=timeout_s, fresh=fresh)


def test_commands_run_on_a_copy_of_the_tree_as_an_unprivileged_user(sandbox: Sandbox, tree: Path) -> None:
    result = run(sandbox, "pwd; cat notes.txt; whoami; id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status")
    lines = result.output.splitlines()
    assert result.ok and lines[:3] == ["/home/user/project", "hello", "user"]
    assert int(lines[3]) != 0
    assert "CapEff:\t0000000000000000" in lines and "NoNewPrivs:\t1" in lines
    assert run(sandbox, "echo changed > notes.txt && rm -r docs && touch new").ok
    assert (tree / "notes.txt").read_text() == "hello\n" and (tree / "docs" / "guide.md").exists()
    assert not (tree / "new").exists()


def test_directory_and_exports_carry_over_but_fresh_runs_start_clean(sandbox: Sandbox) -> None:
    assert run(sandbox, "cd docs && export COLOR=blue && LOCAL=1").ok
    assert run(sandbox, 'pwd; echo "$COLOR-$LOCAL-$#"').output == "/home/user/project/docs\nblue--0\n"
    assert run(sandbox, 'pwd; echo "$COLOR"', fresh=True).output == "/home/user/project\n\n"
    assert run(sandbox, "export PATH=/nowhere; cd /").ok
    lost = run(sandbox, "pwd; ls -d /usr").output
    assert lost.startswith("/\n") and "ls: command not found" in lost, "the wrapper itself needs no PATH"
    assert run(sandbox, "/bin/ls -d /usr").output == "/usr\n"


def test_the_system_is_read_only_and_the_host_out_of_sight(sandbox: Sandbox, tmp_path: Path) -> None:
    canary = Path("/tmp") / f"lbi-canary-{os.getpid()}"
    canary.write_text("host")
    try:
        result = run(sandbox, f"touch /usr/x /etc/x; ls {canary}; ls /root /work {tmp_path}; hostname; "
                              "echo mine > /tmp/own && cat /tmp/own")
        assert "Read-only file system" in result.output or "Permission denied" in result.output
        assert result.output.count("No such file or directory") >= 4
        assert "sandbox\nmine\n" in result.output
    finally:
        canary.unlink()
    assert not Path("/usr/x").exists() and not Path("/tmp/own").exists()


def test_no_network(sandbox: Sandbox) -> None:
    result = run(sandbox, "echo > /dev/tcp/127.0.0.1/22; python3 -c \"import socket; "
                          "socket.create_connection(('1.1.1.1', 53), timeout=1)\"")
    assert "Connection refused" in result.output and "Network is unreachable" in result.output


def test_background_processes_end_with_their_command(sandbox: Sandbox) -> None:
    assert run(sandbox, "sleep 30 & setsid sleep 31 & echo started").output == "started\n"
    assert run(sandbox, "ps -e -o comm= | grep -c sleep").output == "0\n"
    if AS_ROOT:
        assert uids.processes_of(sandbox.uid) == []


def test_each_limit_binds(sandbox: Sandbox) -> None:
    memory = run(sandbox, "python3 -c 'bytearray(1024 ** 3)'")
    assert not memory.ok and "MemoryError" in memory.output
    file_size = run(sandbox, "head -c 8000000 /dev/zero > big")
    assert not file_size.ok and "File size limit exceeded" in file_size.output
    assert run(sandbox, "ulimit -n").output == "256\n"
    forks = run(sandbox, "python3 -c \"\nimport os, time\nn = 0\ntry:\n    while True:\n"
                         "        if os.fork() == 0:\n            time.sleep(5)\n            os._exit(0)\n"
                         "        n += 1\nexcept BlockingIOError:\n    print('capped', n)\n\"")
    assert forks.output.startswith("capped") and int(forks.output.split()[1]) < LIMITS.max_processes


def test_output_keeps_head_and_tail_and_a_flood_is_stopped(sandbox: Sandbox) -> None:
    result = run(sandbox, "seq 1 100000")
    assert result.ok and result.truncated and result.output_bytes == len("\n".join(map(str, range(1, 100001)))) + 1
    assert result.output.startswith("1\n2\n3\n") and result.output.endswith("99999\n100000\n")
    assert "bytes of output omitted" in result.output and len(result.output) < LIMITS.output_bytes + 100
    started = time.monotonic()
    flood = run(sandbox, "yes")
    assert flood.output_stopped and flood.exit_code is None and time.monotonic() - started < 2
    assert run(sandbox, "printf 'a\\0b\\rc\\033[0m'").output == "a\\x00b\nc\\x1b[0m"


def test_the_time_limit_kills_the_command_and_what_it_started(sandbox: Sandbox) -> None:
    started = time.monotonic()
    result = run(sandbox, "sleep 30 & sleep 30", timeout_s=0.5)
    assert result.timed_out and result.exit_code is None and not result.ok
    assert time.monotonic() - started < 2
    if AS_ROOT:
        time.sleep(0.2)
        assert uids.processes_of(sandbox.uid) == []


def test_files_past_the_disk_quota_are_reported(sandbox: Sandbox) -> None:
    assert not run(sandbox, "for i in 1 2; do head -c 4000000 /dev/zero > f$i; done").over_disk_quota
    assert run(sandbox, "for i in 3 4 5; do head -c 4000000 /dev/zero > /tmp/f$i; done").over_disk_quota


def test_close_removes_the_files_and_releases_the_uid(tree: Path, tmp_path: Path) -> None:
    sandbox = BubblewrapBackend(workdir=tmp_path / "work").open(tree, LIMITS)
    root, uid = sandbox.root, sandbox.uid
    assert root is not None and root.exists()
    other = BubblewrapBackend(workdir=tmp_path / "work").open(tree, LIMITS)
    assert other.uid != uid or not AS_ROOT
    other.close()
    sandbox.close()
    sandbox.close()
    assert not root.exists() and list((tmp_path / "work").iterdir()) == []
    with pytest.raises(SandboxError):
        run(sandbox, "true")
    if AS_ROOT:
        with open(uids.lock_dir() / f"{uid}.lock") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_the_copy_keeps_links_as_links_and_leaves_out_special_files(tree: Path, tmp_path: Path) -> None:
    (tree / "passwd-link").symlink_to("/etc/passwd")
    os.mkfifo(tree / "pipe")
    with BubblewrapBackend(workdir=tmp_path / "work").open(tree, LIMITS) as sandbox:
        result = run(sandbox, "ls; readlink passwd-link; grep -c : passwd-link")
    assert result.output.split() == ["docs", "notes.txt", "passwd-link", "/etc/passwd", "3"]


def test_a_tree_bigger_than_the_quota_is_refused(tree: Path, tmp_path: Path) -> None:
    (tree / "big.bin").write_bytes(b"\0" * (17 * 1024 * 1024))
    with pytest.raises(SandboxError, match="larger than the sandbox's disk quota"):
        BubblewrapBackend(workdir=tmp_path / "work").open(tree, LIMITS)


def test_with_no_sandbox_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxUnavailable, match=r"bubblewrap \(bwrap\) is not installed.*apt-get install bubblewrap"):
        choose_backend("bubblewrap")
    with pytest.raises(SandboxUnavailable, match="unknown sandbox backend 'chroot'"):
        choose_backend("chroot")
    if docker_problem() is None:
        pytest.skip("a Docker engine answers here, so `auto` finds a sandbox")
    with pytest.raises(SandboxUnavailable, match="never run unsandboxed") as raised:
        choose_backend("auto")
    assert "bubblewrap:" in str(raised.value) and "docker: no Docker engine answers" in str(raised.value)
