"""What the offline skill reads in observations: test results, grep hits, numbered file views, the intro."""

from __future__ import annotations

import builtins
import keyword
import re

FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.MULTILINE)
EXIT = re.compile(r"\[exit code (\d+)\]\s*$")
HIT = re.compile(r"^\.?/?([\w./-]+\.py):(\d+):", re.MULTILINE)
NUMBERED = re.compile(r"^ *(\d+)\t(.*)$", re.MULTILINE)
TEST_COMMAND = re.compile(r"tests run with `([^`]+)`")
TERM = re.compile(r"`((?:[\w.]+\.)?)([A-Za-z_]\w{2,})(\(\))?`")
CALLED = re.compile(r"\b([A-Za-z_]\w*)\(")
NOT_CODE = set(keyword.kwlist) | {"print", "len", "str", "int", "list", "dict", "set", "tuple", "isinstance", "range",
                                  "repr", "type", "super", "sorted", "open", "getattr", "hasattr", "raises", "approx",
                                  "mark", "parametrize", "fixture", "invoke", "assert_called", "format", "join"}
NOT_CODE |= {"view", "create", "str_replace", "insert", "undo", "submit", "word"}  # the environment's own words


def exit_code(observation: str) -> int | None:
    found = EXIT.search(observation)
    return int(found.group(1)) if found else None


def failing_test(observation: str) -> str | None:
    found = FAILED.search(observation)
    return found.group(1) if found else None


def hits(observation: str) -> list[tuple[str, int]]:
    return [(path, int(line)) for path, line in HIT.findall(observation)]


def numbered_lines(observation: str) -> list[tuple[int, str]]:
    return [(int(number), text) for number, text in NUMBERED.findall(observation)]


def test_command(environment: str) -> str:
    found = TEST_COMMAND.search(environment)
    return found.group(1) if found else "pytest -q"


def doc_terms(document: str) -> list[str]:
    """Names the document shows as code, those written as calls or dotted paths (``pkg.name``, ``name()``)
    first, in order, without repeats; keywords, builtins and constants left out."""
    found = [(not (dotted or call), name) for dotted, name, call in TERM.findall(document)
             if not keyword.iskeyword(name) and not name.isupper() and name not in NOT_CODE
             and not hasattr(builtins, name)]
    return list(dict.fromkeys(name for _, name in sorted(found, key=lambda item: item[0])))


def called_names(lines: list[str]) -> list[str]:
    """Functions a test calls, first seen first, leaving out builtins and pytest's own."""
    found = [name for line in lines for name in CALLED.findall(line) if name not in NOT_CODE
             and not name.startswith(("test_", "assert"))]
    return list(dict.fromkeys(found))


def module_of(path: str) -> str:
    """The import name of a source file (``src/pkg/mod.py`` -> ``pkg.mod``; ``pkg/__init__.py`` -> ``pkg``)."""
    parts = path.removesuffix(".py").split("/")
    parts = parts[1:] if parts[0] == "src" else parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
