"""Child processes that must not outlive the process that started them: a run killed with SIGKILL
closes none of its pipes, so a child that waits for its input to end would wait for ever."""

from __future__ import annotations

import ctypes
import os
import select
import signal
import time
from typing import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when the thread of ``parent`` that started it ends, and exit
    now if ``parent`` is already gone. Linux only: OSError where ``prctl`` is missing or refuses."""
    _die_with(_prctl(), parent)


def dying_with_parent(parent: int) -> Callable[[], None]:
    """``die_with_parent`` as a ``preexec_fn``, for a program that cannot ask for it itself. ``prctl`` is
    looked up now, in the parent: between fork and exec the child of a threaded process must load and
    look up nothing (another thread may have held the dynamic loader's lock when it forked)."""
    prctl = _prctl()
    return lambda: _die_with(prctl, parent)


def _prctl() -> Callable[..., int]:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except AttributeError:
        raise OSError("prctl is missing here") from None


def _die_with(prctl: Callable[..., int], parent: int) -> None:
    if prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def exit_when_orphaned(parent: int, interval_s: float) -> None:
    """Exit once ``parent`` is no longer this process's parent, looking every ``interval_s`` (run it on a
    thread of its own; it ends the process even while another thread is in a long call)."""
    while os.getppid() == parent:
        time.sleep(interval_s)
    os._exit(1)


def exit_when_ended(pidfd: int) -> None:
    """Exit as soon as the process of ``pidfd`` has ended (run it on a thread of its own; it ends the
    process even while another thread is in a long call)."""
    select.select([pidfd], [], [])  # a pidfd is readable once its process has ended
    os._exit(1)
