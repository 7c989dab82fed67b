"""The child processes a test looks for: those running a given module."""

from __future__ import annotations

import psutil


def children_running(module: str, parent: int | None = None) -> list[psutil.Process]:
    """The children of ``parent`` (this process by default) whose command line runs ``module``."""
    found = []
    for child in psutil.Process(parent).children():
        try:
            if module in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:  # ended while we looked
            continue
    return found
