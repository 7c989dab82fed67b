"""The offline labeler: what a span of web actions did, read from the observations after each action (they
name the element acted on), worded as one of the task kinds."""

from __future__ import annotations

from lbi.envs.web.offline import kinds, page
from lbi.prompts.render import Turn


def done(turns: list[Turn]) -> list[tuple[Turn, page.Done | None]]:
    return [(turn, page.previous(turn.observation)) for turn in turns]


def task_instruction(turns: list[Turn]) -> str:
    steps = done(turns)
    fills = [(d.text, d.name) for _, d in steps if d and d.verb == "fill" and d.text]
    clicks = [d for _, d in steps if d and d.verb == "click"]
    last_turn, last = steps[-1]
    if last_turn.action.startswith("answer(") and len(steps) > 1 and steps[-2][1] and steps[-2][1].verb == "click":
        return kinds.ask_title(_label(steps[-2][1].name))
    summary = next((text for text, name in fills if (name or "").casefold().startswith("summary")), None)
    if summary and clicks and (clicks[-1].name or "").casefold().startswith("create"):
        return kinds.create_ticket(summary)
    if fills and clicks and (clicks[-1].name or "").casefold() == "search":
        return kinds.search(fills[-1][0])
    if fills and last and last.verb == "click" and last.role == "button" and last.name:
        return kinds.submit(fills[-1][0], (fills[-1][1] or "text").rstrip(":"), last.name)
    if last and last.verb == "click" and last.role == "link" and last.name:
        return kinds.open_page(_label(last.name))
    if last and last.verb == "fill" and last.text:
        return kinds.type_into(last.text, last.name or "text")
    return "Look around the application's start page."


def replicate(turns: list[Turn]) -> tuple[list[str], str]:
    summary = []
    for turn, did in done(turns):
        where = page.header(turn.observation, "URL") or "the same page"
        if did and did.name is not None:
            what = f"{did.verb} on the {did.role} '{did.name}'" + (f" with '{did.text}'" if did.text else "")
        else:
            what = f"`{turn.action}`"
        summary.append(f"Did {what}; the browser then showed {where}.")
    return summary, task_instruction(turns)


def _label(name: str | None) -> str:
    name = name or "link"
    return name.title() if name.isupper() else name
