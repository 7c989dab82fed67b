"""For shell synthesis tests: the accepted examples' command lines, the path-like words in them (read here,
independently of the offline model's own readers), and whether those exist in the tree."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

_PATH_WORD = re.compile(r"[\w@+.-][\w./@+-]*")
_CREATING = {"mkdir", "touch", "cp", "mv", "tar"}


def accepted_spans(store: sa.Engine) -> list[list[tuple[str, bool]]]:
    """Each accepted example's steps as (action, observation_error)."""
    with store.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.id, s.action, s.observation_error FROM lbi.examples e JOIN lbi.steps s"
            " ON s.trajectory_id = e.trajectory_id AND s.idx BETWEEN e.start_step AND e.end_step"
            " WHERE e.status = 'accepted' ORDER BY e.id, s.idx")).all()
    spans: dict[int, list[tuple[str, bool]]] = {}
    for example_id, action, error in rows:
        spans.setdefault(example_id, []).append((action, error))
    return list(spans.values())


def _words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return command.split()


def referenced_paths(command: str) -> set[str]:
    """Words that look like paths (with a '/' or a file extension), not options, patterns or programs."""
    found, first = set(), True
    for word in _words(command):
        if word in {"|", "||", "&&", ";", "&"}:
            first = True
            continue
        if not first and not word.startswith("-") and _PATH_WORD.fullmatch(word) and (
                "/" in word or re.search(r"\.[A-Za-z]\w{0,5}$", word)):
            found.add(word.removeprefix("./").rstrip("/"))
        first = False
    return found - {"", ".", ".."}


def created_paths(command: str) -> set[str]:
    """Paths the command line creates: redirection targets and what mkdir, touch, cp, mv and tar write."""
    created: set[str] = set()
    for part in re.split(r"\|\||&&|;|\|", command):
        words = _words(part)
        for index, word in enumerate(words[:-1]):
            if word in (">", ">>"):
                created.add(words[index + 1])
        operands = [w for w in words[1:] if not w.startswith("-") and w not in (">", ">>")]
        if words and words[0] in _CREATING and operands:
            created.update(operands if words[0] in ("mkdir", "touch") else operands[-1:] if words[0] != "tar"
                           else operands[:1])
    return {path.removeprefix("./").rstrip("/") for path in created}


def touches_only_existing(span: list[tuple[str, bool]], exists: Callable[[str], bool]) -> bool:
    created: set[str] = set()
    for action, _ in span:
        created |= created_paths(action)
        for path in referenced_paths(action):
            if not (exists(path) or any(path == c or path.startswith(c + "/") for c in created)):
                return False
    return True


def share_touching_only_existing(spans: list[list[tuple[str, bool]]], exists: Callable[[str], bool]) -> float:
    return sum(touches_only_existing(span, exists) for span in spans) / len(spans)


def paths_in(env_id: str, workdir: Path) -> set[str]:
    """Every path of the environment's tree as an episode starts (for a tree built in the sandbox)."""
    from lbi.envs.base import Limits
    from lbi.envs.registry import make

    with make(env_id, limits=Limits(max_observation_chars=200_000), workdir=workdir) as env:
        env.reset()
        listed = env.step("find . -path ./.git -prune -o -print").observation.text
    return {line.removeprefix("./") for line in listed.splitlines()[:-1]} | {".git"}
