"""What a bash command line touches, read from the line alone: the paths it names (by where each program
takes its file arguments), whether it only looks around, whether it is git."""

from __future__ import annotations

import re
import shlex

CONTROL = {"|", "||", "&&", ";", "&", "|&"}
REDIRECTS = {">", ">>", "<", ">|"}
_OPTION_ARGUMENT = {  # options whose value is the next word
    "head": {"-n", "-c"}, "tail": {"-n", "-c"}, "grep": {"-e", "-f", "-m", "-A", "-B", "-C"},
    "sort": {"-k", "-t", "-o"}, "cut": {"-d", "-f", "-c"}, "du": {"-d"}, "awk": {"-F", "-v", "-f"},
    "sed": {"-e", "-f"}, "xargs": {"-n", "-I"}, "git": {"-n", "-C", "-m"}, "jq": {"--arg"},
}
_PATTERN_FIRST = {"grep", "egrep", "fgrep", "sed", "awk", "jq"}  # the first operand is a pattern or a program
_NO_PATHS = {"echo", "printf", "true", "false", "pwd", "date", "seq", "test", "["}
_GLOB = re.compile(r"[*?\[\]{}$`\\\s'\"()<>|;&]")


def normalize(command: str) -> str:
    return " ".join(command.split())


def words(command: str) -> list[str]:
    """The words of a command line, with operators (|, &&, >, ...) as words of their own."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote
        return command.split()


def simple_commands(command: str) -> list[list[str]]:
    """The simple commands of a line (split at pipes, &&, ;), each as its words."""
    parts: list[list[str]] = [[]]
    for word in words(command):
        if word in CONTROL:
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if part]


def program(part: list[str]) -> str:
    return part[0].rsplit("/", 1)[-1] if part else ""


def paths_used(command: str) -> list[str]:
    """The paths a command line names as files or directories, in order, without './' or a trailing '/'."""
    found: list[str] = []
    for part in simple_commands(command):
        for path in _operands(part):
            clean = _clean(path)
            if clean and clean not in found:
                found.append(clean)
    return found


def _operands(part: list[str]) -> list[str]:
    name, args = program(part), part[1:]
    paths, operands, skip, end_of_options = [], [], False, False
    for index, word in enumerate(args):
        if skip:
            skip = False
            continue
        if word in REDIRECTS:
            if index + 1 < len(args) and not args[index + 1].isdigit():
                paths.append(args[index + 1])
            skip = True
        elif word == "--":
            end_of_options = True
        elif word.startswith("-") and not end_of_options and len(word) > 1:
            skip = word in _OPTION_ARGUMENT.get(name, ())
        elif not word.isdigit() or end_of_options:
            operands.append(word)
    return paths + _file_operands(name, operands, args)


def _file_operands(name: str, operands: list[str], args: list[str]) -> list[str]:
    if name in _NO_PATHS:
        return []
    if name == "git":
        return args[args.index("--") + 1:] if "--" in args else []
    if name == "find":
        return [w for w in args[:next((i for i, w in enumerate(args) if w[:1] in "-(!"), len(args))]]
    if name in _PATTERN_FIRST and not {"-e", "-f"} & set(args):
        return operands[1:]
    if name == "chmod":
        return operands[1:]
    return operands


def _clean(path: str) -> str | None:
    if _GLOB.search(path) or path in (".", "..", "./", "-"):
        return None
    path = path.removeprefix("./").rstrip("/")
    return path or None


def is_git(command: str) -> bool:
    return normalize(command).startswith("git ")


def is_inspection(command: str) -> bool:
    """True for a look around: ls, pwd, a shallow find, git status."""
    parts = simple_commands(command)
    if not parts:
        return False
    first = parts[0]
    name = program(first)
    if name in ("ls", "pwd", "tree", "stat", "file"):
        return True
    if name == "find":
        return "-maxdepth" in first
    return name == "git" and first[1:2] == ["status"] and "--branch" in first


def grep_pattern(command: str) -> str | None:
    """The pattern a grep in the line searches for, if any."""
    for part in simple_commands(command):
        if program(part) in ("grep", "egrep", "fgrep"):
            args = part[1:]
            if "-e" in args and args.index("-e") + 1 < len(args):
                return args[args.index("-e") + 1]
            operands = [w for w in args if not w.startswith("-")]
            return operands[0] if operands else None
    return None
