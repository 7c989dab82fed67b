"""The action language, in the style of BrowserGym's high-level actions: one call per action, literal
arguments only (parsed with ``ast``, never evaluated)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

# name -> kinds of its arguments: id (an element id), text, int, number
SIGNATURES: dict[str, tuple[str, ...]] = {
    "click": ("id",), "fill": ("id", "text"), "select": ("id", "text"), "press": ("id", "text"),
    "scroll": ("text",), "goto": ("text",), "go_back": (), "tab_focus": ("int",), "answer": ("text",),
    "stop": (), "noop": ("number",),
}
SCROLLS = ("up", "down", "top", "bottom")
LANGUAGE = ("one action per step: click(id) | fill(id, 'text') | select(id, 'option') | press(id, 'Enter') | "
            "scroll('down'|'up'|'top'|'bottom') | goto('/path') (within the application) | go_back() | "
            "tab_focus(n) | noop(ms) | answer('text') (the answer to a question; ends the episode) | stop(); "
            "ids are the numbers in brackets in the page's accessibility tree")


class ActionError(ValueError):
    """The text is not an action of the language (the message says why, for the agent)."""


@dataclass(frozen=True)
class Action:
    name: str
    args: tuple

    @property
    def element(self) -> str | None:
        return self.args[0] if SIGNATURES[self.name][:1] == ("id",) else None


def parse(text: str) -> Action:
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        raise ActionError(f"not an action: {text.strip()[:80]!r}; {LANGUAGE}") from None
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name) or tree.func.id not in SIGNATURES:
        raise ActionError(f"unknown action {text.strip()[:40]!r}; actions: {', '.join(SIGNATURES)}")
    name = tree.func.id
    if tree.keywords:
        raise ActionError(f"{name}: give arguments by position, e.g. {_example(name)}")
    kinds = SIGNATURES[name]
    if len(tree.args) != len(kinds):
        raise ActionError(f"{name} takes {len(kinds)} argument{'s' * (len(kinds) != 1)}: {_example(name)}")
    args = tuple(_argument(name, kind, node) for kind, node in zip(kinds, tree.args))
    if name == "scroll" and args[0] not in SCROLLS:
        raise ActionError(f"scroll takes one of {', '.join(SCROLLS)}")
    return Action(name, args)


def _argument(name: str, kind: str, node: ast.expr) -> object:
    if isinstance(node, ast.List) and len(node.elts) == 1 and kind == "id":
        node = node.elts[0]  # click([12]), as the tree writes it
    value = node.value if isinstance(node, ast.Constant) else None
    if kind == "id" and (isinstance(value, int) and not isinstance(value, bool) or
                         isinstance(value, str) and value.strip().isdigit()):
        return str(value).strip()
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ActionError(f"{name}: {'an element id' if kind == 'id' else 'a ' + kind} expected, "
                      f"e.g. {_example(name)}")


def _example(name: str) -> str:
    examples = {"id": "12", "text": "'text'", "int": "1", "number": "1000"}
    return f"{name}({', '.join(examples[kind] for kind in SIGNATURES[name])})"
