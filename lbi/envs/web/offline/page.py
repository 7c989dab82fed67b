"""Reading a web observation as the offline model sees it: the header lines and the elements with ids."""

from __future__ import annotations

import re
from dataclasses import dataclass

ELEMENT = re.compile(r"^\s*\[(\d+)\] (\w+)(?: '((?:[^'\\]|\\.)*)')?(.*)$")
PREVIOUS = re.compile(r"^Previous action: (\w+)\(([^)]*?)\)(?: on \[(\d+)\] (\w+)(?: '((?:[^'\\]|\\.)*)')?)?", re.M)


@dataclass(frozen=True)
class Element:
    id: str
    role: str
    name: str
    details: str


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def elements(observation: str) -> list[Element]:
    found = []
    for line in observation.splitlines():
        match = ELEMENT.match(line)
        if match:
            found.append(Element(match.group(1), match.group(2), unquote(match.group(3) or ""), match.group(4)))
    return found


def header(observation: str, name: str) -> str | None:
    match = re.search(rf"^{name}: (.*)$", observation, re.M)
    return match.group(1).strip() if match else None


def failed(observation: str) -> bool:
    return bool(re.search(r"^Error: ", observation, re.M))


def find(observation: str, role: str | tuple[str, ...], name: str, *, exact: bool = False) -> Element | None:
    """The first element of ``role`` whose name is ``name`` (case-insensitive; starts with it unless exact)."""
    roles = (role,) if isinstance(role, str) else role
    wanted = name.casefold()
    candidates = [e for e in elements(observation) if e.role in roles]
    for element in candidates:
        if element.name.casefold() == wanted:
            return element
    if not exact:
        for element in candidates:
            if element.name.casefold().startswith(wanted) or wanted and wanted in element.name.casefold():
                return element
    return None


@dataclass(frozen=True)
class Done:
    """An action as the observation after it reports it: the verb, its text argument, and the element's label."""

    verb: str
    text: str | None
    role: str | None
    name: str | None


def previous(observation: str) -> Done | None:
    match = PREVIOUS.search(observation)
    if match is None:
        return None
    args = match.group(2)
    text = re.search(r"'((?:[^'\\]|\\.)*)'", args)
    return Done(match.group(1), unquote(text.group(1)) if text else None, match.group(4),
                unquote(match.group(5)) if match.group(5) is not None else None)
