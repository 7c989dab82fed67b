"""The observation's text: a header (URL, title, tabs, focused element, the previous action and its error)
and the page's tree, cut to the limit around what the viewport shows, with a marker where it is cut."""

from __future__ import annotations

from urllib.parse import urlsplit

from lbi.envs.web.browser import PageView

ABOVE = "[... {n} lines above: scroll('up') ...]"
BELOW = "[... cut: {n} more lines below: scroll('down') or open a narrower page ...]"


def display_url(url: str, origin: str) -> str:
    """The URL without the episode's origin (its port changes from episode to episode)."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return url
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def header(view: PageView, origin: str, previous: str | None, error: str | None, notes: list[str]) -> list[str]:
    lines = [f"URL: {display_url(view.url, origin)}", f"Title: {view.title}"]
    if len(view.tabs) > 1:
        lines.append("Tabs: " + " | ".join(f"[{n}]{' (current)' if n == view.active else ''} {title}"
                                           for n, title in enumerate(view.tabs)))
    focused = view.elements.get(view.focused or "")
    lines.append(f"Focused: {focused.describe() if focused else 'none'}")
    if previous:
        lines.append(f"Previous action: {previous}")
    lines += [f"Note: {note}" for note in notes]
    if error:
        lines.append(f"Error: {error}")
    return lines


def compose(head: list[str], view: PageView, limit: int) -> tuple[str, bool]:
    """(text, truncated): the header whole, then as much of the tree as fits, from the viewport's top when
    the whole tree does not fit."""
    top = "\n".join(head) + "\nPage:\n"
    lines = [line.text for line in view.lines]
    whole = top + "\n".join(lines)
    if len(whole) <= limit:
        return whole, False
    first = 0
    if view.scroll_y > 0:
        first = next((k for k, line in enumerate(view.lines) if line.y >= view.scroll_y), len(lines))
    kept, size = [], len(top)
    if first:
        kept.append(ABOVE.format(n=first))
        size += len(kept[0]) + 1
    reserve = len(BELOW.format(n=len(lines))) + 1
    for line in lines[first:]:
        if size + len(line) + 1 + reserve > limit:
            break
        kept.append(line)
        size += len(line) + 1
    rest = len(lines) - first - (len(kept) - (1 if first else 0))
    if rest:
        kept.append(BELOW.format(n=rest))
    text = top + "\n".join(kept)
    return text[:limit], True
