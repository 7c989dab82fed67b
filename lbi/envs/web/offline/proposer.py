"""The offline proposer: tasks from what the start page shows (its links, its forms), ordered by how much of
the document they share, so a document about the roadmap proposes the roadmap first."""

from __future__ import annotations

import re
from random import Random

from lbi.envs.web.offline import kinds, page

WORD = re.compile(r"[a-z]{4,}")
SKIP_LINKS = re.compile(r"^(https?:|at \d|\d{4}-)|edgewall|powered|about trac|logout", re.IGNORECASE)


def propose(document: str, environment: str, count: int, rng: Random) -> list[str]:
    elements = page.elements(environment)
    words = set(WORD.findall(document.lower()))
    links = [e.name for e in elements if e.role == "link" and 2 < len(e.name) <= 40 and not SKIP_LINKS.search(e.name)]
    links = list(dict.fromkeys(links))
    links.sort(key=lambda name: -len(set(WORD.findall(name.lower())) & words))
    topic = _topic(document)
    tasks = []
    for name in links[:count]:
        tasks.append(kinds.open_page(name.title() if name.isupper() else name))
        tasks.append(kinds.ask_title(name.title() if name.isupper() else name))
    if any(e.role == "button" and e.name.casefold() == "search" for e in elements) and topic:
        tasks.insert(1, kinds.search(topic))
    if page.find(environment, "link", "New Ticket") is not None and topic:
        tasks.insert(0, kinds.create_ticket(f"Review the {topic} documentation"))
    form = _form(elements)
    if form is not None and topic:
        tasks.insert(0, kinds.submit(topic.split()[-1].lower(), *form))
    head, tail = tasks[:2], tasks[2:]
    rng.shuffle(tail)
    return list(dict.fromkeys(head + tail))[:count]


def _topic(document: str) -> str | None:
    for line in document.splitlines():
        words = WORD.findall(line.lower())
        if words:
            return " ".join(line.strip("#= ").split()[:3])[:40] or None
    return None


def _form(elements: list[page.Element]) -> tuple[str, str] | None:
    """(a labelled text field, the button after it) of a form on the page, other than search and new ticket."""
    for k, field in enumerate(elements):
        if field.role in ("textbox", "searchbox") and field.name and field.name.casefold() != "search":
            button = next((e for e in elements[k + 1:k + 4] if e.role == "button"), None)
            if button is not None and button.name and button.name.casefold() not in ("search", "preview"):
                return field.name.rstrip(":"), button.name
    return None
