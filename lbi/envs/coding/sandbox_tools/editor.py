"""The file editor, run inside the episode's sandbox (standard library only): view, create, str_replace,
insert and undo on files of the repository. Paths are relative to the repository (or absolute inside it);
anything resolving outside it (``..``, absolute paths elsewhere, symbolic links leading out) is refused.

Argument: base64 of a JSON object {"op", "root", "state", "args"}. Prints the observation; exits 1 on an error.
"""

import base64
import hashlib
import json
import os
import sys

MAX_FILE_BYTES = 1_000_000
CONTEXT_LINES = 4
MAX_LISTED = 200


class EditorError(Exception):
    pass


def main():
    request = json.loads(base64.b64decode(sys.argv[1]))
    editor = Editor(request["root"], request["state"])
    try:
        print(getattr(editor, request["op"])(**request["args"]))
    except EditorError as error:
        print(f"Error: {error}")
        sys.exit(1)


class Editor:
    def __init__(self, root, state):
        self.root = os.path.realpath(root)
        self.state = state

    def view(self, path, start=None, end=None):
        target = self._inside(path)
        if os.path.isdir(target):
            return self._listing(path, target)
        lines = self._read(path, target).split("\n")
        first, last = 1, len(lines)
        if start is not None:
            first, last = start, len(lines) if end in (None, -1) else end
            if not 1 <= first <= len(lines) or last < first:
                raise EditorError(f"lines {start}-{end} are outside {path}, which has {len(lines)} lines")
        return f"[{path}: lines {first}-{min(last, len(lines))} of {len(lines)}]\n" + _numbered(lines, first, last)

    def create(self, path, text):
        target = self._inside(path, writing=True)
        if os.path.lexists(target):
            raise EditorError(f"{path} already exists; edit it with str_replace or insert")
        self._remember(target, None)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _write(target, text)
        return f"Created {path} ({len(text.splitlines())} lines)."

    def str_replace(self, path, old, new):
        target = self._inside(path, writing=True)
        content = self._read(path, target)
        if not old:
            raise EditorError("old is empty: give the exact text to replace")
        count = content.count(old)
        if count == 0:
            raise EditorError(f"old does not occur in {path} (it must match exactly, whitespace included)")
        if count > 1:
            lines = [content[:i].count("\n") + 1 for i in _occurrences(content, old)]
            raise EditorError(f"old occurs {count} times in {path} (lines {', '.join(map(str, lines))}); "
                              "give more context so that it is unique")
        at = content.index(old)
        self._remember(target, content)
        _write(target, content[:at] + new + content[at + len(old):])
        first = content[:at].count("\n") + 1
        return self._region(path, target, first, first + new.count("\n"))

    def insert(self, path, line, text):
        target = self._inside(path, writing=True)
        content = self._read(path, target)
        lines = content.split("\n")
        if not 0 <= line <= len(lines):
            raise EditorError(f"line {line} is outside {path}, which has {len(lines)} lines (0 inserts at the top)")
        self._remember(target, content)
        added = text[:-1] if text.endswith("\n") else text
        _write(target, "\n".join(lines[:line] + added.split("\n") + lines[line:]))
        return self._region(path, target, line + 1, line + 1 + added.count("\n"))

    def undo(self, path):
        target = self._inside(path, writing=True)
        history = self._history(target)
        saved = sorted(os.listdir(history), key=_number) if os.path.isdir(history) else []
        if not saved:
            raise EditorError(f"no edit of {path} to undo")
        latest = os.path.join(history, saved[-1])
        if latest.endswith(".absent"):
            if os.path.lexists(target):
                os.remove(target)
            message = f"Undid the creation of {path}: it is gone."
        else:
            with open(latest, "rb") as previous:
                _write(target, previous.read().decode())
            message = f"Undid the last edit of {path}.\n" + self.view(path)
        os.remove(latest)
        return message

    def _inside(self, path, writing=False):
        if not isinstance(path, str) or not path or "\x00" in path:
            raise EditorError("path must be a non-empty string")
        target = os.path.realpath(os.path.join(self.root, path))
        if target != self.root and not target.startswith(self.root + os.sep):
            raise EditorError(f"{path} is outside the repository ({self.root})")
        if writing and (target == self.root or os.path.isdir(target)):
            raise EditorError(f"{path} is a directory")
        if writing and os.path.relpath(target, self.root).split(os.sep)[0] == ".git":
            raise EditorError(f"{path} is inside .git; use git commands for that")
        return target

    def _read(self, path, target):
        if not os.path.exists(target):
            raise EditorError(f"{path} does not exist")
        if not os.path.isfile(target):
            raise EditorError(f"{path} is not a regular file")
        size = os.path.getsize(target)
        if size > MAX_FILE_BYTES:
            raise EditorError(f"{path} is {size} bytes; the editor opens files up to {MAX_FILE_BYTES} bytes "
                              "(use head, sed -n or grep)")
        with open(target, "rb") as handle:
            data = handle.read()
        if b"\x00" in data:
            raise EditorError(f"{path} is a binary file")
        try:
            return data.decode()
        except UnicodeDecodeError:
            raise EditorError(f"{path} is not UTF-8 text") from None

    def _listing(self, path, target):
        entries = []
        for directory, dirs, names in os.walk(target):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            depth = os.path.relpath(directory, target).count(os.sep) + (directory != target)
            if depth >= 2:
                dirs[:] = []
            for name in sorted(dirs) + sorted(n for n in names if not n.startswith(".")):
                full = os.path.join(directory, name)
                entries.append(os.path.relpath(full, self.root) + ("/" if os.path.isdir(full) else ""))
        shown = entries[:MAX_LISTED]
        more = f"\n... and {len(entries) - MAX_LISTED} more" if len(entries) > MAX_LISTED else ""
        return f"[{path}: a directory; files and directories up to 2 levels deep]\n" + "\n".join(shown) + more

    def _region(self, path, target, first, last):
        lines = self._read(path, target).split("\n")
        start, end = max(1, first - CONTEXT_LINES), min(len(lines), last + CONTEXT_LINES)
        return f"Edited {path}; lines {start}-{end} now read:\n" + _numbered(lines, start, end)

    def _history(self, target):
        return os.path.join(self.state, hashlib.sha256(target.encode()).hexdigest()[:16])

    def _remember(self, target, content):
        history = self._history(target)
        os.makedirs(history, exist_ok=True)
        number = max(map(_number, os.listdir(history)), default=0) + 1
        _write(os.path.join(history, f"{number}.absent" if content is None else str(number)), content or "")


def _number(name):
    return int(name.split(".")[0])


def _numbered(lines, first, last):
    return "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(first, min(last, len(lines)) + 1))


def _occurrences(content, old):
    at = content.find(old)
    while at != -1:
        yield at
        at = content.find(old, at + 1)


def _write(target, text):
    with open(target, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
