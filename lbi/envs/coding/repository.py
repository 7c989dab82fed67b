"""Which repository an instance works on: the shipped one (a pinned sdist from the index) or a user's
directory, with how its tests run, how its dependencies install and where its documentation is."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lbi.envs.coding.layout import REPO
from lbi.envs.coding.prepare import Prepared, copy_user_tree, prepare, tree_hash
from lbi.envs.coding.sdist import PinnedSdist
from lbi.errors import ConfigError

CLICK = PinnedSdist("click", "8.3.1", "12ff4785d337a1bb490bb7e9c2b1ee5da3112e94a8622f26a6c77f5d2fc6842a")
SHIPPED = {"click": CLICK}
DEFAULT_TEST_COMMAND = "pytest -q"
DOC_SUFFIXES = (".md", ".rst", ".txt")


def describe(subject: str, test_command: str) -> str:
    return (f"A Python repository in a sandbox: a fresh private copy of {subject} at {REPO}, a git work tree, with "
            f"its dependencies installed and its tests runnable with `{test_command}`. Actions are bash command "
            "lines or editor calls (view, create, str_replace, insert, undo, submit). No network; time, memory "
            "and output limits.")


@dataclass(frozen=True)
class Repository:
    name: str
    test_command: str
    install: str | None
    sdist: PinnedSdist | None = None
    source: Path | None = None

    def prepare(self, cache: Path) -> Prepared:
        if self.sdist is not None:
            sdist = self.sdist
            prepared = prepare(cache, {"sdist": sdist.sha256}, lambda tree: sdist.unpack(cache, tree), self.install)
            publish_docs(prepared.repo, sdist_docs(cache, sdist))
            return prepared
        assert self.source is not None
        source = self.source
        return prepare(cache, {"tree": tree_hash(source)}, lambda tree: copy_user_tree(source, tree), self.install)

    def docs(self, cache: Path) -> tuple[Path, ...]:
        """The project's documentation: the sdist's docs/ (where the prepared tree will hold it) and README,
        or a user tree's docs/ and top-level Markdown files."""
        if self.sdist is not None:
            return (Path(__file__).with_name("docs"), sdist_docs(cache, self.sdist))
        assert self.source is not None
        found = [self.source / "docs"] if (self.source / "docs").is_dir() else []
        return tuple(found + sorted(p for p in self.source.iterdir() if p.suffix in DOC_SUFFIXES and p.is_file()))

    def describe(self) -> str:
        subject = (f"{self.sdist.name} {self.sdist.version} (its source, tests and docs from PyPI)" if self.sdist
                   else f"the user's repository '{self.name}'")
        return describe(subject, self.test_command)

    def python_path(self) -> str:
        tree = self.source if self.source is not None else None
        has_src = (tree / "src").is_dir() if tree is not None else True
        return f"{REPO}/src" if has_src else REPO


def sdist_docs(cache: Path, sdist: PinnedSdist) -> Path:
    """Where the shipped project's docs are once it is prepared (``lbi.envs.coding.build`` prepares it)."""
    return cache / "docs" / f"{sdist.name}-{sdist.version}"


def publish_docs(repo: Path, target: Path) -> None:
    """The prepared tree's docs/, README and changelog, copied once to ``target`` (renamed into place)."""
    if target.is_dir():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        shutil.copytree(repo / "docs", scratch / "docs", ignore=shutil.ignore_patterns("_static", "conf.py"))
        for name in ("README.md", "CHANGES.rst"):
            if (repo / name).is_file():
                shutil.copyfile(repo / name, scratch / name)
        scratch.chmod(0o755)
        scratch.rename(target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def repository_for(repo: str, test_command: str | None = None, install: str | None = None) -> Repository:
    if repo in SHIPPED:
        return Repository(repo, test_command or DEFAULT_TEST_COMMAND, install, sdist=SHIPPED[repo])
    source = Path(repo).expanduser().resolve()
    if not source.is_dir():
        raise ConfigError(f"repo '{repo}' is neither a shipped project ({', '.join(SHIPPED)}) nor a directory")
    if not any(source.rglob("test*.py")):
        raise ConfigError(f"repo '{repo}' has no test files (test*.py): the python-repo family checks work by tests")
    return Repository(source.name, test_command or DEFAULT_TEST_COMMAND, install, source=source)
