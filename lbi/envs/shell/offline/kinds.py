"""The kinds of task the offline model proposes on any directory tree: the sentences that ask for one (their
placeholders name what must exist: {file}, {dir}, {ext}...), and the steps that do it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lbi.envs.shell.offline import steps as s
from lbi.envs.shell.offline.templates import Step, first_match, pattern, placeholders

# placeholders the tree's listing must supply; the others take values of their own
FROM_LISTING = frozenset({"file", "prose", "dir", "ext"})


@dataclass(frozen=True)
class TaskKind:
    name: str
    topics: frozenset[str]  # words of documentation this kind of task fits
    templates: tuple[str, ...]
    plan: tuple[Step, ...]
    opening: Step | None = None  # a look around that sometimes comes first
    git: bool = False  # needs a git repository
    writes: bool = False
    discovers: str | None = None  # the placeholder the first step's output fills (a file found under {dir})

    @property
    def needs(self) -> frozenset[str]:
        return frozenset(name for template in self.templates for name in placeholders(template)) & FROM_LISTING


def _kind(name: str, topics: str, templates: tuple[str, ...], *plan: Step, **options: object) -> TaskKind:
    return TaskKind(name, frozenset(topics.split()), templates, plan, **options)


KINDS: tuple[TaskKind, ...] = (
    _kind("line_count", "wc lines count newline file", (
        "How many lines does {file} have?", "Count the lines in {file}."), s.LINE_COUNT, opening=s.LOOK_AT_FILE),
    _kind("word_count", "wc words count characters bytes", (
        "How many words are in {file}?", "Count the words of {file}."), s.WORD_COUNT, opening=s.LOOK_AT_FILE),
    _kind("head", "head first lines beginning output", ("Show the first {n} lines of {file}.",
                                                        "What does {file} start with? Show its first {n} lines."),
          s.HEAD, opening=s.LOOK_AT_FILE),
    _kind("tail", "tail last lines end output", ("Show the last {n} lines of {file}.",
                                                 "How does {file} end? Show its last {n} lines."),
          s.TAIL, opening=s.LOOK_AT_FILE),
    _kind("search_tree", "grep search pattern recursive match files word", (
        "Which files mention '{word}'?", "Find the files that contain the word '{word}'."),
          s.SEARCH_TREE, opening=s.LOOK_AROUND),
    _kind("search_dir", "grep search recursive lines match directory pattern", (
        "Show the lines under {dir} that mention '{word}'.", "Where does '{word}' appear in {dir}?"),
          s.SEARCH_DIR, opening=s.LOOK_IN_DIR),
    _kind("search_file", "grep search lines match pattern case", ("Which lines of {file} mention '{word}'?",),
          s.SEARCH_FILE, opening=s.LOOK_AT_FILE),
    _kind("count_matches", "grep count lines match pattern wc", ("How many lines of {file} mention '{word}'?",),
          s.COUNT_MATCHES, opening=s.LOOK_AT_FILE),
    _kind("find_ext", "find name files type extension search", (
        "List every .{ext} file in the tree.", "Find all the .{ext} files, subdirectories included."),
          s.FIND_EXT, opening=s.LOOK_AROUND),
    _kind("ext_counts", "find sort uniq count files extension types", (
        "How many files of each extension does the tree hold?", "Count the files per extension in the tree."),
          s.EXT_COUNTS, opening=s.LOOK_AROUND),
    _kind("largest", "du size disk space largest sort files", (
        "Which {n} files are the largest?", "List the {n} biggest files in the tree."), s.LARGEST,
          opening=s.LOOK_AROUND),
    _kind("list_dir", "ls list directory contents files", (
        "What is in the {dir} directory?", "List the contents of {dir}."), s.LIST_DIR),
    _kind("files_under", "find files recursive directory list tree", (
        "List every file under {dir}, subdirectories included.",), s.FILES_UNDER, opening=s.LOOK_IN_DIR),
    _kind("count_files", "find count files directory wc", ("How many files are under {dir}?",), s.COUNT_FILES,
          opening=s.LOOK_IN_DIR),
    _kind("dir_size", "du disk usage space size directory summarize", ("How much disk space does {dir} take?",),
          s.DIR_SIZE, opening=s.LOOK_IN_DIR),
    _kind("longest_file", "wc lines longest sort head files count", (
        "Find the longest file under {dir} and show its first {n} lines.",), s.LONGEST, s.HEAD, discovers="file"),
    _kind("recent_commits", "git log commits history oneline", (
        "Show the last {n} commits.", "What are the {n} most recent commits in the repository?"),
          s.RECENT_COMMITS, opening=s.GIT_STATE, git=True),
    _kind("branches", "git branch branches list", ("Which branches does the repository have?",), s.BRANCHES, git=True),
    _kind("status", "git status changes uncommitted modified working", ("Which files have uncommitted changes?",),
          s.STATUS, git=True),
    _kind("last_commit", "git show stat commit changed head files", ("Which files did the last commit change?",),
          s.LAST_COMMIT, opening=s.GIT_STATE, git=True),
    _kind("file_history", "git log history file commits follow", ("Which commits changed {file}?",),
          s.FILE_HISTORY, opening=s.LOOK_AT_FILE, git=True),
    _kind("authors", "git log author shortlog commits", ("Who made the commits, and how many did each author make?",),
          s.AUTHORS, opening=s.GIT_STATE, git=True),
    _kind("tags", "git tag tags release version", ("Which tags does the repository have?",), s.TAGS, git=True),
    _kind("backup", "cp copy backup files duplicate", ("Make a backup copy of {file} named {file}.bak.",), s.BACKUP,
          opening=s.LOOK_AT_FILE, writes=True),
    _kind("note", "echo create file write redirect new touch", (
        "Create a file named {name} containing the line '{line}'.",), s.NOTE, writes=True),
    _kind("append", "echo append line end file redirect add tee", ("Append the line '{line}' to {prose}.",), s.APPEND,
          writes=True),
    _kind("archive", "tar archive compress gzip create", ("Archive the {dir} directory into {dir}.tar.gz.",),
          s.ARCHIVE, opening=s.LOOK_IN_DIR, writes=True),
    _kind("copy_into", "mkdir directory create copy cp", (
        "Create a directory named {folder} and copy {file} into it.",),
          s.COPY_INTO, writes=True),
)


@cache
def _patterns() -> tuple:
    return tuple((pattern(template), kind) for kind in KINDS for template in kind.templates)


def recognize(task: str) -> tuple[TaskKind, dict[str, str]] | None:
    """The kind of task a sentence asks for and its values, for the sentences ``KINDS`` write."""
    return first_match(_patterns(), task)
