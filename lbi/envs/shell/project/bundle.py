"""The prepared project as a bundle the sandbox builds from: one directory of files per commit, the
working tree, and ``build.sh``, which replays the commits with git inside the sandbox.

The bundle is written once per content hash under the cache directory; every
episode's sandbox gets its own copy and builds its own repository from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path

from lbi.envs.shell.project.history import HISTORY, REPORT_DAY, USER, WORKTREE
from lbi.sandbox.base import HOME, WORKDIR

HISTORY_DIR = ".lbi-history"
STAGING = f"{HOME}/.lbi-history"  # beside the project, on the same mount: moving it there is a rename


def build_script() -> str:
    lines = ["set -e", f"cd {WORKDIR}", f"rm -rf {STAGING}", f"mv {HISTORY_DIR} {STAGING}",
             "git init -q -b main",
             f"git config --global user.name {shlex.quote(USER[0])}",
             f"git config --global user.email {shlex.quote(USER[1])}",
             "git config --global advice.detachedHead false"]
    branch = "main"
    for number, commit in enumerate(HISTORY, start=1):
        if commit.branch != branch:
            lines.append(f"git checkout -q {'-b ' if commit.branch != 'main' else ''}{shlex.quote(commit.branch)}")
            branch = commit.branch
        name, email = commit.author
        identity = " ".join(f"{key}={shlex.quote(value)}" for key, value in (
            ("GIT_AUTHOR_NAME", name), ("GIT_AUTHOR_EMAIL", email), ("GIT_AUTHOR_DATE", commit.date),
            ("GIT_COMMITTER_NAME", name), ("GIT_COMMITTER_EMAIL", email), ("GIT_COMMITTER_DATE", commit.date)))
        # an empty index makes git hash every file: copied files keep their size and mtime, which fools its stat cache
        lines += [f"cp -a {STAGING}/{number}/. .", "git read-tree --empty", "git add -A",
                  f"env {identity} git commit -q -m {shlex.quote(commit.message)}"]
        if commit.tag:
            lines.append(f"git tag {shlex.quote(commit.tag)}")
    if branch != "main":
        lines.append("git checkout -q main")
    lines += [f"cp -a {STAGING}/worktree/. .", f"rm -rf {STAGING}",
              f"PYTHONDONTWRITEBYTECODE=1 make -s report DAY={REPORT_DAY} >/dev/null"]
    return "\n".join(lines) + "\n"


def _files() -> dict[str, tuple[str, bool]]:
    """Bundle path -> (content, executable)."""
    files = {f"{HISTORY_DIR}/build.sh": (build_script(), False)}
    for number, commit in enumerate(HISTORY, start=1):
        for path, content in commit.files.items():
            files[f"{HISTORY_DIR}/{number}/{path}"] = (content, path in commit.executable)
    for path, content in WORKTREE.items():
        files[f"{HISTORY_DIR}/worktree/{path}"] = (content, False)
    return files


def digest() -> str:
    return hashlib.sha256(json.dumps(_files(), sort_keys=True).encode()).hexdigest()[:16]


def write(destination: Path) -> None:
    for path, (content, executable) in _files().items():
        target = destination / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        target.chmod(0o755 if executable else 0o644)


def materialize(cache_dir: Path) -> Path:
    """The bundle's directory under ``cache_dir``, written on first use (concurrent writers are safe)."""
    target = cache_dir / f"project-{digest()}"
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".project-", dir=cache_dir))
    try:
        write(staging)
        os.chmod(staging, 0o755)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
