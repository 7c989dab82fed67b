"""Editor actions as text: Python-style calls read with ast, never evaluated; anything else is a command."""

from __future__ import annotations

import pytest

from lbi.envs.coding.actions import EditorCall, NotACall, call_text, parse_action


def test_calls_by_position_and_by_name() -> None:
    assert parse_action('view("src/a.py")') == EditorCall("view", {"path": "src/a.py"})
    assert parse_action('view("src/a.py", 3, 9)') == EditorCall("view", {"path": "src/a.py", "start": 3, "end": 9})
    assert parse_action('view("src/a.py", [3, 9])') == EditorCall("view", {"path": "src/a.py", "start": 3, "end": 9})
    assert parse_action("str_replace(path='a.py', old='x', new='y')").args == {"path": "a.py", "old": "x", "new": "y"}
    assert parse_action("submit()") == EditorCall("submit", {})


def test_triple_quoted_text_spans_lines() -> None:
    call = parse_action('insert("a.py", 2, """def f():\n    return "x"\n""")')
    assert call == EditorCall("insert", {"path": "a.py", "line": 2, "text": 'def f():\n    return "x"\n'})


@pytest.mark.parametrize("text", ["ls -la", "grep -rn 'view(' src", "pytest -q", "echo submit()", "viewer('x')"])
def test_anything_else_is_a_command(text: str) -> None:
    assert parse_action(text) is None


@pytest.mark.parametrize(("text", "says"), [
    ('view("a.py"', "not a well-formed call"),
    ('view(__import__("os").system("id"))', "literals"),
    ('create("a.py")', "needs text"),
    ('insert("a.py", "2", "x")', "integer"),
    ('undo("a.py", "b.py")', "at most 1"),
    ('view("a.py") + 1', "one call"),
    ('str_replace("a.py", old="x", new="y", extra=1)', "no argument"),
])
def test_malformed_calls_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(NotACall, match=says):
        parse_action(text)


@pytest.mark.parametrize("value", ["plain", "two\nlines", 'ends with a quote"', "back\\slash\nand line", "'\"mixed\"'"])
def test_call_text_round_trips(value: str) -> None:
    assert parse_action(call_text("create", "a.py", value)).args["text"] == value
