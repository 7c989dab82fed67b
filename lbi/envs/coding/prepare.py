"""A repository prepared once per content hash: the pristine tree committed as a git work tree, and an
environment of its dependencies (pytest included) that every episode's sandbox sees read-only.

Layout under the cache: ``KEY/repo`` (the work tree with ``.git``), ``KEY/venv`` (made with the system
Python, which the sandbox sees, its scripts pointing at ``VENV``), ``KEY/commit`` (the pristine commit).
A build runs under a lock in a scratch directory renamed into place, so a crash leaves no half-built
entry and concurrent builders wait for one another.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lbi.envs.coding.layout import VENV
from lbi.errors import ConfigError

BUILD_VERSION = 2
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter the sandbox has (it sees /usr read-only)
TEST_REQUIREMENTS = ("pytest==8.3.5",)
INSTALL_TIMEOUT_S = 900
LEFT_OUT = {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", ".pytest_cache", ".mypy_cache",
            ".ruff_cache", "build", "dist", "node_modules", ".eggs"}
IGNORED = "__pycache__/\n*.pyc\n.pytest_cache/\n*.egg-info/\n"
IDENTITY = {"GIT_AUTHOR_NAME": "lbi", "GIT_AUTHOR_EMAIL": "lbi@localhost", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
            "GIT_COMMITTER_NAME": "lbi", "GIT_COMMITTER_EMAIL": "lbi@localhost",
            "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}


@dataclass(frozen=True)
class Prepared:
    root: Path

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def tests(self) -> Path:
        """The pristine test files alone (checks restore them; the sources are not there to compare with)."""
        return self.root / "tests"

    @property
    def commit(self) -> str:
        return (self.root / "commit").read_text().strip()


def prepare(cache: Path, key_parts: dict, fill: Callable[[Path], None], install: str | None = None) -> Prepared:
    """The prepared repository for ``key_parts``; ``fill(directory)`` writes the tree when it must be built."""
    key = hashlib.sha256(json.dumps({**key_parts, "install": install, "tests": TEST_REQUIREMENTS,
                                     "build": BUILD_VERSION}, sort_keys=True).encode()).hexdigest()[:20]
    final = cache / key
    if (final / "commit").is_file():
        return Prepared(final)
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (final / "commit").is_file():
            scratch = Path(tempfile.mkdtemp(prefix=f"building-{key}-", dir=cache))
            try:
                _build(scratch, fill, install)
                scratch.chmod(0o755)
                scratch.rename(final)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return Prepared(final)


def _build(scratch: Path, fill: Callable[[Path], None], install: str | None) -> None:
    repo = scratch / "repo"
    repo.mkdir()
    fill(repo)
    _make_venv(scratch / "venv", repo, install)
    _copy_tests(repo, scratch / "tests")
    _commit(repo)
    (scratch / "commit").write_text(_git(repo, "rev-parse", "HEAD").strip() + "\n")


def _make_venv(venv: Path, repo: Path, install: str | None) -> None:
    if not Path(SYSTEM_PYTHON).is_file():
        raise ConfigError(f"{SYSTEM_PYTHON} is missing: the sandbox runs the project's tests with the system Python")
    _run([SYSTEM_PYTHON, "-m", "venv", str(venv)], repo, "make the dependency environment")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *TEST_REQUIREMENTS], repo, "install pytest")
    if install:
        with tempfile.TemporaryDirectory() as scratch:  # the install may write into the tree: not into the pristine one
            copy = Path(scratch) / "repo"
            shutil.copytree(repo, copy, symlinks=True)
            environment = {**os.environ, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
            environment.pop("PYTHONPATH", None)
            _run(["bash", "-c", install], copy, f"run the install command `{install}`", environment)
    _relocate_scripts(venv)


def _copy_tests(repo: Path, destination: Path) -> None:
    """Test files (test_*.py, *_test.py, conftest.py) and everything under directories named tests or test."""
    destination.mkdir()
    for path in sorted(repo.rglob("*")):
        relative = path.relative_to(repo)
        in_tests = any(part in ("tests", "test") for part in relative.parts[:-1])
        named = path.name == "conftest.py" or (path.suffix == ".py" and (path.name.startswith("test_")
                                                                         or path.stem.endswith("_test")))
        if path.is_file() and not path.is_symlink() and (in_tests or named):
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination / relative)


def _relocate_scripts(venv: Path) -> None:
    """Point the scripts' ``#!`` lines at where the environment sits in the sandbox."""
    host = f"#!{venv}/bin/"
    for script in (venv / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if data.startswith(host.encode()):
                script.write_bytes(f"#!{VENV}/bin/".encode() + data[len(host):])


def _commit(repo: Path) -> None:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "core.logAllRefUpdates", "false")  # no reflog: a task's amended commit hides the pristine one
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text(IGNORED)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--no-verify", "-m", "pristine tree")
    shutil.rmtree(repo / ".git" / "logs", ignore_errors=True)


def _git(repo: Path, *args: str) -> str:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo), **IDENTITY}
    done = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=repo, env=environment,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"git {args[0]} failed in {repo}: {done.stderr.strip()[-300:]}")
    return done.stdout


def _run(argv: list[str], cwd: Path, what: str, environment: dict | None = None) -> None:
    done = subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        raise ConfigError(f"could not {what}: {(done.stderr or done.stdout).strip()[-500:]}")


def copy_user_tree(source: Path, destination: Path) -> None:
    """A user's repository without its VCS data, environments and build products."""
    shutil.copytree(source, destination, symlinks=True, dirs_exist_ok=True,
                    ignore=lambda directory, names: [n for n in names if n in LEFT_OUT or n.endswith(".egg-info")])


def tree_hash(source: Path) -> str:
    """What a user's tree holds (paths and contents, the parts ``copy_user_tree`` copies)."""
    digest = hashlib.sha256()
    for directory, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in LEFT_OUT and not d.endswith(".egg-info"))
        for name in sorted(names):
            path = Path(directory) / name
            digest.update(str(path.relative_to(source)).encode() + b"\0")
            if path.is_symlink():
                digest.update(os.readlink(path).encode())
            elif path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
