"""The application's server process: its own process group, killed with the thread that started it
(PR_SET_PDEATHSIG), so it never outlives the episode, even after ``kill -9`` of the run."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from lbi.parent_death import dying_with_parent


def spawn(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    """Start ``args`` in a new session (one process group to kill), output to ``log``."""
    parent = os.getpid()
    with open(log, "wb") as out:
        return subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=dying_with_parent(parent))


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process's whole group, then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
