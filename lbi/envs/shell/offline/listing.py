"""What an episode's first observation shows of the tree: the `ls -AFC` of its top level (files, directories)
and whether it is a git repository."""

from __future__ import annotations

import re
from dataclasses import dataclass

SAFE_NAME = re.compile(r"[\w@+-][\w.@+-]*")  # names a task can carry without quoting
TEXT_EXTENSIONS = frozenset(
    "md txt rst csv tsv log json jsonl ini cfg conf toml yaml yml xml html htm css js ts py sh bash c h cpp hpp "
    "java go rs rb pl php sql tex bib org adoc properties env gitignore mk lua r".split())
TEXT_NAMES = frozenset("Makefile README LICENSE COPYING AUTHORS CHANGELOG NOTES TODO INSTALL Dockerfile "
                       "Procfile Gemfile Rakefile".split())
PROSE_EXTENSIONS = frozenset({"md", "txt", "rst", "org", "adoc"})


@dataclass(frozen=True)
class Listing:
    files: tuple[str, ...] = ()
    dirs: tuple[str, ...] = ()
    git: bool = False

    @property
    def text_files(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if is_text(f))

    @property
    def prose_files(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if extension(f) in PROSE_EXTENSIONS or f in TEXT_NAMES)

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(sorted({extension(f) for f in self.files} - {""}))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.files + self.dirs)


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def is_text(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return extension(base) in TEXT_EXTENSIONS or base.split(".")[0] in TEXT_NAMES


def read_listing(observation: str) -> Listing:
    """The top level listed after a '$ ls' line (up to a blank line or the next '$ ' command)."""
    lines = observation.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("$ ls")), None)
    if start is None:
        return Listing()
    files, dirs, hidden_git = [], [], False
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("$ "):
            break
        if re.search(r"\[\d+ characters omitted\]", line):  # the observation was cut here
            continue
        for entry in line.split():
            name, kind = (entry[:-1], entry[-1]) if entry[-1] in "/*@|=" else (entry, "")
            if name == ".git":
                hidden_git = True
            if name.startswith(".") or not SAFE_NAME.fullmatch(name) or kind in ("@", "|", "="):
                continue
            (dirs if kind == "/" else files).append(name)
    git = hidden_git or "$ git status" in observation
    return Listing(tuple(files), tuple(dirs), git)
