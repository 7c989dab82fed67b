"""The offline actor's plan for a task it did not propose (a held-out task, free text): look around unless the
task names a path, pick the file whose name best matches the task's words, and do what the task's verbs
ask (count, show the start or the end, search, list, git)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from random import Random

from lbi.envs.shell.offline import steps as s
from lbi.envs.shell.offline.listing import is_text, read_listing
from lbi.envs.shell.offline.results import read_result
from lbi.envs.shell.offline.templates import PATH, Step, fill
from lbi.prompts.render import Turn

EXPLORE_ANYWAY_RATE = 0.3
_NAMED_PATH = re.compile(rf"(?<![\w/.-])(?:\./)?({PATH}(?:/|\.[A-Za-z]\w*))(?![\w/-])")
_TERM = re.compile(r"['\"‘“`]([^'\"’”`]{2,40})['\"’”`]|\b([A-Z]{3,}[A-Z0-9_]*)\b")  # quoted, or like ERROR
_STOP_WORDS = frozenset("""the and for are was were with what which that this from into show list find count many
much does have has how all each every file files line lines first last number tree project directory""".split())
_GIT = (("branch", s.BRANCHES), ("tag", s.TAGS), ("author", s.AUTHORS), ("uncommitted", s.STATUS),
        ("modified", s.STATUS), ("last commit", s.LAST_COMMIT))


@dataclass(frozen=True)
class Planned:
    reason: str
    command: str


def plan(task: str, history: list[Turn], rng: Random, observation: str = "") -> list[Planned]:
    lowered = task.lower()
    named = [m.group(1).removeprefix("./").rstrip("/") for m in _NAMED_PATH.finditer(task)]
    explore = not named or rng.random() < EXPLORE_ANYWAY_RATE
    n = next(iter(re.findall(r"(?<![\w.-])(\d{1,2})(?![\w.-])", task)), "10")
    steps: list[Planned] = [_planned(s.LOOK_AROUND, {})] if explore else []
    if re.search(r"\b(?:git|commits?|branch(?:es)?|tags?|authors?|uncommitted|history)\b", lowered):
        if named and re.search(r"histor|commits? (?:that )?chang", lowered):
            return steps + [_planned(s.FILE_HISTORY, {"file": named[0]})]
        step = next((step for word, step in _GIT if word in lowered), s.RECENT_COMMITS)
        return steps + [_planned(step, {"n": n})]
    if re.search(r"\b(?:largest|biggest|space|size)\b", lowered) and not named:
        return steps + [_planned(s.LARGEST, {"n": n if n != "10" else "5"})]
    found = _TERM.search(task)
    term = (found.group(1) or found.group(2)) if found else ""
    if term and not named and not re.search(r"\blines?\b|how many", lowered):
        return steps + [_planned(s.SEARCH_TREE, {"word": term})]
    target = named[0] if named else _best_match(lowered, _seen_files(history, observation))
    if target is None:
        return steps
    return steps + [_planned(_operation(lowered, target, bool(term)), {
        "file": target, "dir": target, "n": n, "word": term})]


def _operation(lowered: str, target: str, searches: bool) -> Step:
    if searches:
        return s.COUNT_MATCHES if re.search(r"how many|count|number of", lowered) else s.SEARCH_FILE
    if "." not in target.rsplit("/", 1)[-1] and not is_text(target):
        return s.DIR_SIZE if re.search(r"\b(?:size|space|big)\b", lowered) else s.LIST_DIR
    if re.search(r"\bwords?\b", lowered):
        return s.WORD_COUNT
    if re.search(r"how many|count|number of", lowered):
        return s.LINE_COUNT
    if re.search(r"\b(?:last|tail|end|latest|recent)\b", lowered):
        return s.TAIL
    return s.HEAD


def _seen_files(history: list[Turn], observation: str) -> list[str]:
    """Files named in earlier output (one path a line, as find prints them) or in the listing."""
    seen: list[str] = []
    for turn in history:
        result = read_result(turn.observation)
        for line in result.lines if not result.failed else ():
            word = line.split()[-1]
            if re.fullmatch(PATH, word) and "/" in word:
                seen.append(word.removeprefix("./"))
    seen += list(read_listing(observation).files)
    return list(dict.fromkeys(seen))


def _best_match(lowered: str, files: list[str]) -> str | None:
    """The file whose name shares most word stems with the task; text files and shallow paths first."""
    wanted = {w[:5] for w in re.findall(r"[a-z]{3,}", lowered) if w not in _STOP_WORDS}

    def score(path: str) -> tuple[int, bool, int]:
        parts = {p[:5] for p in re.split(r"[^a-z]+", path.lower()) if len(p) >= 3}
        return len(wanted & parts), is_text(path), -path.count("/")

    ranked = sorted(files, key=score, reverse=True)
    return ranked[0] if ranked else None


def _planned(step: Step, values: dict[str, str]) -> Planned:
    return Planned(fill(step.reason, values), fill(step.command, values))
