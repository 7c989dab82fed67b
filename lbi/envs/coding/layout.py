"""Where things sit inside a coding episode's sandbox."""

from __future__ import annotations

import os
from pathlib import Path

REPO = "/testbed"  # the episode's copy of the repository (a git work tree), where commands start
VENV = "/opt/lbi/venv"  # the dependency environment, read-only
TOOLS = "/opt/lbi/tools"  # the editor and the test runner (sandbox_tools/), read-only
PRISTINE_TESTS = "/opt/lbi/pristine-tests"  # the pristine test files, read-only: checks restore them from here
BASE = "$(git rev-list --max-parents=0 HEAD | tail -n 1)"  # the episode's starting commit (a task may amend it)
EDITOR_STATE = "/tmp/.lbi-editor"  # the editor's undo history, private to the episode
TOOLS_DIR = Path(__file__).with_name("sandbox_tools")


def session_exports(python_path: str) -> str:
    """Exports that put the dependency environment first, for the session and for every fresh command."""
    return (f"export VIRTUAL_ENV={VENV} PATH={VENV}/bin:$PATH PYTHONPATH={python_path} "
            "PYTHONDONTWRITEBYTECODE=1;")


def cache_dir() -> Path:
    """Where prepared repositories, downloads and docs are kept ($XDG_CACHE_HOME/lbi/coding)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lbi" / "coding"
