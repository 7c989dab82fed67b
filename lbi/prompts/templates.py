"""Loads a role's prompt template from ``templates/`` and fills it."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def _template(name: str) -> Template:
    text = resources.files("lbi.prompts").joinpath("templates", f"{name}.txt").read_text()
    return Template(text)


def render(name: str, **values: object) -> tuple[str, str]:
    """(system, user) messages of template ``name``; the parts split on a line '---user---'."""
    system, _, user = _template(name).substitute(values).partition("\n---user---\n")
    return system.strip(), user.strip()


def messages(name: str, **values: object) -> list[dict[str, str]]:
    system, user = render(name, **values)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
