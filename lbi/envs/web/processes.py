"""The application's server process: its own process group, killed with the thread that started it
(PR_SET_PDEATHSIG), so it never outlives the episode, even after ``kill -9`` of the run."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from pathlib import Path

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl: nobody is left to serve
        os._exit(1)


def spawn(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    """Start ``args`` in a new session (one process group to kill), output to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process's whole group, then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
