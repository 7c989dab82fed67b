"""The bubblewrap sandbox bounded as a whole: memory and processes together, the disk, new namespaces, trees the
agent made deep or unreadable; with the cgroup and tmpfs where this machine allows (``whole``) and with the
fallbacks, and as an ordinary user."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lbi.fs import remove_tree
from lbi.sandbox import uids
from lbi.sandbox.base import SandboxLimits
from lbi.sandbox.bubblewrap import BubblewrapBackend
from lbi.sandbox.cgroup import shared_limits
from tests.sandbox.backends import needs_bubblewrap

pytestmark = needs_bubblewrap
LIMITS = SandboxLimits(memory_mb=256, memory_total_mb=512, max_processes=32, file_size_mb=64, disk_mb=64)
AS_ROOT = os.geteuid() == 0
DEEP = "mkdir -p $(printf 'd/%.0s' $(seq 1200)) && cd $(printf 'd/%.0s' $(seq 1200)) && echo x > f && echo deep"
EIGHT = ("for i in $(seq 8); do python3 -c 'import time; b = bytearray({share} << 20); print(\"held\", flush=True); "
         "time.sleep(1)' & done; wait")
NAMESPACES = ("unshare -r id; unshare -U true; unshare -Ur true; mount -t tmpfs none /tmp; "
              "python3 -c 'import ctypes; print(\"unshare\", ctypes.CDLL(None).unshare(0x10000000))'")


@pytest.fixture(params=[True, False], ids=["whole", "fallback"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> BubblewrapBackend:
    return BubblewrapBackend(workdir=tmp_path / "work", whole=request.param)


def test_eight_processes_together_stay_within_the_total(backend: BubblewrapBackend) -> None:
    with backend.open(None, LIMITS) as sandbox:
        share = LIMITS.memory_total_mb // 8 * 3 // 2
        held = sandbox.run(EIGHT.format(share=share), timeout_s=20).output.count("held")
        if sandbox.cgroup is not None:
            assert sandbox.cgroup.memory_peak() <= (LIMITS.memory_total_mb + LIMITS.disk_mb) << 20
        else:
            assert held * share <= LIMITS.memory_total_mb


@pytest.mark.parametrize("limits", [SandboxLimits(), LIMITS, SandboxLimits(memory_mb=2048, max_processes=4),
                                    SandboxLimits(memory_total_mb=100, max_processes=64)])
def test_without_a_cgroup_the_per_process_limits_share_the_total(limits: SandboxLimits) -> None:
    address_space, processes = shared_limits(limits)
    assert address_space * processes <= limits.memory_total_mb << 20
    assert address_space <= limits.memory_mb << 20 and 1 <= processes <= limits.max_processes


def test_one_command_cannot_write_past_the_disk_quota(tmp_path: Path) -> None:
    with BubblewrapBackend(workdir=tmp_path / "work").open(None, LIMITS) as sandbox:
        result = sandbox.run("for i in $(seq 40); do head -c 60000000 /dev/zero > /tmp/f$i; done", timeout_s=20)
        if not AS_ROOT:
            pytest.skip("only root can give the sandbox a size-capped tmpfs: measured after each command instead")
        assert result.over_disk_quota and "No space left on device" in result.output
        total = sandbox.run("du -smc ~ /tmp 2>/dev/null | tail -1", timeout_s=10).output
        assert int(total.split()[0]) <= LIMITS.disk_mb


def test_files_hidden_behind_chmod_000_are_measured_and_removed(backend: BubblewrapBackend) -> None:
    sandbox = backend.open(None, LIMITS)
    result = sandbox.run("mkdir -p h/i && for i in 1 2; do head -c 40000000 /dev/zero > h/i/f$i; done; "
                         "chmod 000 h/i h", timeout_s=20)
    root = sandbox.root
    assert result.over_disk_quota
    sandbox.close()
    assert not root.exists()


def test_no_new_user_namespace_and_no_mount(backend: BubblewrapBackend) -> None:
    with backend.open(None, LIMITS) as sandbox:
        output = sandbox.run(NAMESPACES, timeout_s=10).output
    assert output.count("unshare failed: Operation not permitted") == 3, output
    assert "must be superuser" in output and "unshare -1" in output


def test_a_deep_tree_is_measured_and_removed_and_releases_the_uid(backend: BubblewrapBackend) -> None:
    sandbox = backend.open(None, LIMITS)
    result = sandbox.run(DEEP, timeout_s=20)
    root, uid = sandbox.root, sandbox.uid
    assert result.ok and result.output == "deep\n" and not result.over_disk_quota
    sandbox.close()
    assert not root.exists()
    if AS_ROOT:
        with open(uids.lock_dir() / f"{uid}.lock") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


UNPRIVILEGED = """
import sys
import tempfile
from pathlib import Path
from lbi.sandbox.base import SandboxLimits
from lbi.sandbox.bubblewrap import BubblewrapBackend
limits = SandboxLimits(memory_mb=256, memory_total_mb=512, max_processes=32, file_size_mb=64, disk_mb=64)
sandbox = BubblewrapBackend(workdir=Path(sys.argv[1])).open(None, limits)
hidden = sandbox.run("mkdir -p h/i && for i in 1 2; do head -c 40000000 /dev/zero > h/i/f$i; done; chmod 000 h/i h",
                     timeout_s=20)
deep = sandbox.run(sys.argv[2], timeout_s=20)
namespaces = sandbox.run(sys.argv[3], timeout_s=10).output
root = sandbox.root
sandbox.close()
print(hidden.over_disk_quota, deep.output.strip(), namespaces.count("Operation not permitted"), root.exists())
"""


@pytest.mark.skipif(not AS_ROOT, reason="drops from root to an ordinary user")
def test_as_an_ordinary_user() -> None:
    work = Path(tempfile.mkdtemp(prefix="lbi-test-nobody-"))  # pytest's own temporary directories are root's alone
    try:
        os.chown(work, 65534, 65534)
        result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                                 UNPRIVILEGED, str(work), DEEP, NAMESPACES], capture_output=True, text=True,
                                timeout=120, env={**os.environ, "HOME": str(work)}, cwd=Path(__file__).parents[2])
    finally:
        remove_tree(work)
    if "cannot start a sandbox" in result.stderr:
        pytest.skip(f"no unprivileged user namespaces here: {result.stderr[-300:]}")
    assert result.stdout.split() == ["True", "deep", "3", "False"], result.stderr[-2000:]
