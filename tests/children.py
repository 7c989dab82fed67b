"""The child processes a test looks for: those running a given module."""

from __future__ import annotations

import psutil

from tests.eventually import eventually


def children_running(module: str, parent: int | None = None) -> list[psutil.Process]:
    """The children of ``parent`` (this process by default) whose command line runs ``module``."""
    found = []
    for child in psutil.Process(parent).children():
        try:
            if module in _command_line(child):
                found.append(child)
        except psutil.NoSuchProcess:  # ended while we looked
            continue
    return found


def ended(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie its parent has not reaped yet has)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _command_line(child: psutil.Process) -> list[str]:
    """The child's command line once it has one: a child still in its exec has an empty one for a while
    after the parent's ``Popen`` returned (the kernel closes the pipe that tells Popen before it sets
    the new program's arguments; on a loaded machine that took tens of milliseconds)."""
    eventually(child.cmdline, 5)
    return child.cmdline()
