"""The kinds of task the offline model proposes, acts out and recognises on any web application: each kind
has one wording, one plan of intents (resolved against the page as observed) and one way to be recognised in
what was done, so proposer, actor and labeler agree."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN = re.compile(r"^Open the '(.+)' page\.$")
TITLE = re.compile(r"^What is the title of the page that the '(.+)' link opens\?$")
SEARCH = re.compile(r"^Search the site for '(.+)'\.$")
CREATE = re.compile(r"^Create a new ticket with the summary '(.+)'\.$")
FILL = re.compile(r"^Type '(.+)' into the '(.+)' field\.$")
SUBMIT = re.compile(r"^Enter '(.+)' in the '(.+)' field and press '(.+)'\.$")

LINKS = ("link",)
FIELDS = ("textbox", "searchbox", "combobox")
BUTTONS = ("button",)


@dataclass(frozen=True)
class Intent:
    verb: str  # click | fill | answer_title
    roles: tuple[str, ...] = ()
    name: str = ""
    text: str = ""


def plan(task: str) -> list[Intent]:
    if match := OPEN.match(task):
        return [Intent("click", LINKS, match.group(1))]
    if match := TITLE.match(task):
        return [Intent("click", LINKS, match.group(1)), Intent("answer_title")]
    if match := SEARCH.match(task):
        return [Intent("fill", ("searchbox", "textbox"), "Search", match.group(1)), Intent("click", BUTTONS, "Search")]
    if match := CREATE.match(task):
        return [Intent("click", LINKS, "New Ticket"), Intent("fill", FIELDS, "Summary", match.group(1)),
                Intent("click", BUTTONS, "Create")]
    if match := SUBMIT.match(task):
        return [Intent("fill", FIELDS, match.group(2), match.group(1)), Intent("click", BUTTONS, match.group(3))]
    if match := FILL.match(task):
        return [Intent("fill", FIELDS, match.group(2), match.group(1))]
    return []


def open_page(name: str) -> str:
    return f"Open the '{name}' page."


def ask_title(name: str) -> str:
    return f"What is the title of the page that the '{name}' link opens?"


def search(text: str) -> str:
    return f"Search the site for '{text}'."


def create_ticket(summary: str) -> str:
    return f"Create a new ticket with the summary '{summary}'."


def type_into(text: str, field: str) -> str:
    return f"Type '{text}' into the '{field}' field."


def submit(text: str, field: str, button: str) -> str:
    return f"Enter '{text}' in the '{field}' field and press '{button}'."
