"""Where the shell environment's documentation comes from: the project handbook, a selection of man pages
about the tools its tasks use, and the GNU coreutils info manual (whichever are installed here)."""

from __future__ import annotations

from pathlib import Path

HANDBOOK_DIR = Path(__file__).with_name("docs")
MAN_DIR = Path("/usr/share/man/man1")
INFO_MANUALS = (Path("/usr/share/info/coreutils.info.gz"),)
MAN_PAGES = (
    "ls", "cat", "head", "tail", "wc", "sort", "uniq", "cut", "tr", "grep", "sed", "awk", "find", "xargs",
    "du", "cp", "mv", "rm", "mkdir", "chmod", "touch", "tar", "gzip", "diff", "date", "tee", "jq", "make",
    "git", "git-log", "git-status", "git-diff", "git-show", "git-branch", "git-switch", "git-commit", "git-add",
    "git-tag", "git-grep", "git-stash", "git-restore", "git-blame",
)


def man_pages(names: tuple[str, ...] = MAN_PAGES) -> list[Path]:
    return [page for name in names if (page := MAN_DIR / f"{name}.1.gz").is_file()]


def default_docs(handbook: bool) -> tuple[Path, ...]:
    """The handbook first (so ``--max-docs`` starts with it), then man pages, then the info manual."""
    docs = sorted(HANDBOOK_DIR.glob("*.md")) if handbook else []
    return tuple(docs + man_pages() + [manual for manual in INFO_MANUALS if manual.is_file()])
