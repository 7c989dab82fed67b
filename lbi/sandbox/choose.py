"""Which sandbox backend runs model commands: the one named, or the first that works here (``auto``).

There is no unsandboxed fallback: when nothing works, the error says what to install.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from lbi.sandbox.base import SandboxBackend, SandboxUnavailable

BACKENDS = {"bubblewrap": "lbi.sandbox.bubblewrap:BubblewrapBackend", "docker": "lbi.sandbox.docker:DockerBackend"}
AUTO_ORDER = ("bubblewrap", "docker")
SETTING = "LBI_SANDBOX"


def backend_names() -> list[str]:
    return ["auto", *BACKENDS]


def configured_name() -> str:
    """The backend named by LBI_SANDBOX (``auto`` when unset); the one setting read below the entry points."""
    return os.environ.get(SETTING, "").strip() or "auto"


def _instance(name: str, workdir: Path | None) -> SandboxBackend:
    module, _, attr = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), attr)(workdir=workdir)


def choose_backend(name: str | None = None, *, workdir: Path | None = None) -> SandboxBackend:
    """The backend called ``name`` (default: LBI_SANDBOX, else ``auto``); ``workdir`` holds host-side files."""
    name = name or configured_name()
    if name not in BACKENDS and name != "auto":
        raise SandboxUnavailable(f"unknown sandbox backend '{name}' (choose one of: {', '.join(backend_names())})")
    problems = []
    for candidate in (AUTO_ORDER if name == "auto" else (name,)):
        backend = _instance(candidate, workdir)
        problem = backend.problem()
        if problem is None:
            return backend
        problems.append(f"{candidate}: {problem}")
    raise SandboxUnavailable("no sandbox can run model commands here, and they never run unsandboxed. "
                             + "; ".join(problems))
