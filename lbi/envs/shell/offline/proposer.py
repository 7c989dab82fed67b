"""Self-instruct on any directory tree: kinds of task that what the episode shows at its start makes possible,
weighted by how well they fit the documentation chunk, filled with the files and directories listed there
(those the document names first)."""

from __future__ import annotations

import re
from collections import Counter
from random import Random

from lbi.envs.shell.offline.kinds import KINDS, TaskKind
from lbi.envs.shell.offline.listing import Listing, read_listing
from lbi.envs.shell.offline.templates import fill, placeholders
from lbi.models.offline.proposing import propose_tasks

CHANGES_FILES = re.compile(r"\b(?:cp|copy|copies|create[sd]?|write|writes|append|touch|mkdir|edit|modify|"
                           r"backups?|back up|tar|archive|redirect|save)\b", re.IGNORECASE)
NUMBERS = ("3", "5", "10")
LINES = ("Reviewed, nothing to change", "Check this again next week", "Ask the team about this",
         "Tidy up before the next release")
NEW_FILES = ("NOTES.md", "notes.txt", "TODO.txt", "scratch.txt")
NEW_FOLDERS = ("archive", "backup", "attic", "old")
COMMON_WORDS = frozenset("""about above after again also another because been before being below between both
could does doing down during each either every example file files first following from further given have having
into itself just last like line lines more most much must next only other over same should since some such than
that their them then there these they this those through under until used uses using very what when where which
while with within without would your option options default command commands output print prints""".split())


def propose(document: str, environment: str, count: int, rng: Random) -> list[str]:
    listing = read_listing(environment)
    changes = bool(CHANGES_FILES.search(document))
    kinds = [kind for kind in KINDS if _possible(kind, listing) and (changes or not kind.writes)]
    weights = relevance(document, kinds)
    return propose_tasks(kinds, weights, count, rng, skip_irrelevant=True,
                         fill_template=lambda template: fill(template, {
                             name: _value(name, listing, document, rng) for name in placeholders(template)}))


def _possible(kind: TaskKind, listing: Listing) -> bool:
    pools = {"file": listing.text_files, "prose": listing.prose_files, "dir": listing.dirs, "ext": listing.extensions}
    return all(pools[name] for name in kind.needs) and (listing.git or not kind.git)


def relevance(document: str, kinds: list[TaskKind]) -> dict[str, float]:
    """How well each kind fits the document: the share of its topic words the document uses, doubled when the
    document is about a program the kind runs (a man page's NAME line, say)."""
    words = set(re.findall(r"[a-z][a-z0-9_-]+", document.lower()))
    head = document[:300].lower()
    weights = {}
    for kind in kinds:
        programs = {step.command.split()[0] for step in kind.plan}
        names_tool = any(re.search(rf"\b{re.escape(p)}\b", head) for p in programs)
        weights[kind.name] = (0.05 + len(kind.topics & words) / len(kind.topics)) ** 3 * (2.0 if names_tool else 1.0)
    return weights


def _value(name: str, listing: Listing, document: str, rng: Random) -> str:
    if name == "n":
        return rng.choice(NUMBERS)
    if name == "line":
        return rng.choice(LINES)
    if name == "word":
        return _word(listing, document, rng)
    if name in ("name", "folder"):
        free = [n for n in (NEW_FILES if name == "name" else NEW_FOLDERS) if n not in listing.names]
        return rng.choice(free or [f"new-{rng.randrange(100)}"])
    pool = {"file": listing.text_files, "prose": listing.prose_files, "dir": listing.dirs,
            "ext": listing.extensions}[name]
    named = [v for v in pool if re.search(rf"(?<![\w.-]){re.escape(v)}(?![\w-])", document)]
    return rng.choice(named if named and rng.random() < 0.7 else list(pool))


def _word(listing: Listing, document: str, rng: Random) -> str:
    """A word to search for: one the document uses often, or one the tree's own names suggest."""
    counts = Counter(w for w in re.findall(r"[a-z][a-z]{4,14}", document.lower()) if w not in COMMON_WORDS)
    frequent = [w for w, _ in counts.most_common(8)]
    stems = sorted({re.sub(r"s$", "", part.lower()) for name in listing.names
                    for part in re.split(r"[^A-Za-z]+", name) if len(part) >= 4})
    pool = frequent if frequent and (not stems or rng.random() < 0.5) else stems
    return rng.choice(pool or ["todo"])
