"""Editor actions written as text: one Python-style call, read with ``ast`` (never evaluated).

    view("src/pkg/mod.py")                  a file, numbered (or a directory, two levels deep)
    view("src/pkg/mod.py", 10, 40)          lines 10 to 40 (also: view("...", [10, 40]); end -1 = the last)
    create("src/pkg/new.py", "text")        a new file
    str_replace("src/pkg/mod.py", "old", "new")   ``old`` must occur exactly once
    insert("src/pkg/mod.py", 12, "text")    after line 12 (0: at the top)
    undo("src/pkg/mod.py")                  the file's last edit, undone
    submit()                                the change is done: the episode ends

Arguments are Python literals (strings may be triple-quoted and span lines), by position or by name
(path, start, end, text, old, new, line). Anything else is a bash command line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

SIGNATURES: dict[str, tuple[tuple[str, type, bool], ...]] = {  # name -> (argument, type, required)
    "view": (("path", str, True), ("start", int, False), ("end", int, False)),
    "create": (("path", str, True), ("text", str, True)),
    "str_replace": (("path", str, True), ("old", str, True), ("new", str, True)),
    "insert": (("path", str, True), ("line", int, True), ("text", str, True)),
    "undo": (("path", str, True),),
    "submit": (),
}


@dataclass(frozen=True)
class EditorCall:
    op: str
    args: dict[str, Any]


class NotACall(ValueError):
    """The text names an editor command but is not a well-formed call of it."""


def parse_action(action: str) -> EditorCall | None:
    """The editor call ``action`` is, or None when it is a shell command; NotACall when it is a malformed one."""
    text = action.strip()
    name = text.split("(", 1)[0].strip()
    if name not in SIGNATURES or "(" not in text:
        return None
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise NotACall(f"{name}(...) is not a well-formed call: {error.msg} (line {error.lineno})") from None
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == name):
        raise NotACall(f"write one call, e.g. {name}(...), and nothing around it")
    return EditorCall(name, _arguments(name, tree))


def _arguments(name: str, call: ast.Call) -> dict[str, Any]:
    signature = SIGNATURES[name]
    values = [_literal(name, node) for node in call.args]
    if name == "view" and len(values) == 2 and isinstance(values[1], (list, tuple)):
        values = [values[0], *values[1]]
    if len(values) > len(signature):
        raise NotACall(f"{name} takes at most {len(signature)} arguments ({_usage(name)})")
    args = {signature[i][0]: value for i, value in enumerate(values)}
    for keyword in call.keywords:
        if keyword.arg not in {arg for arg, _, _ in signature} or keyword.arg in args:
            raise NotACall(f"{name} has no argument {keyword.arg!r} here ({_usage(name)})")
        args[keyword.arg] = _literal(name, keyword.value)
    for arg, kind, required in signature:
        if arg not in args:
            if required:
                raise NotACall(f"{name} needs {arg} ({_usage(name)})")
            continue
        if type(args[arg]) is not kind:
            raise NotACall(f"{name}: {arg} must be {'a string' if kind is str else 'an integer'}")
    return args


def _literal(name: str, node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError):
        raise NotACall(f"{name}: arguments must be literals (strings, integers)") from None


def _usage(name: str) -> str:
    return f"{name}({', '.join(arg if required else f'[{arg}]' for arg, _, required in SIGNATURES[name])})"


def call_text(op: str, *args: Any) -> str:
    """The action text of an editor call (how the task set and the offline skill write edits)."""
    return f"{op}({', '.join(_written(arg) for arg in args)})"


def _written(value: Any) -> str:
    if isinstance(value, str) and "\n" in value and '"""' not in value and not value.endswith(("\\", '"')):
        return '"""' + value.replace("\\", "\\\\") + '"""'
    return repr(value)
