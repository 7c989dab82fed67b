"""Every command line the offline actor types, with why and what it does in words. They only use names
filled in from the task or from earlier output, and are written so that they do not fail on what exists
(a grep that finds nothing pipes into head, so it still exits 0)."""

from __future__ import annotations

from functools import cache

from lbi.envs.shell.offline.templates import Step, first_match, pattern

# looking around
LOOK_AROUND = Step("Look at the files of the tree first, down to three levels.",
                   "find . -maxdepth 3 -type f -not -path './.git/*' | sort | head -n 60",
                   "List the files of the tree, down to three levels", "inspect")
LOOK_AT_FILE = Step("Check that {file} is there and how big it is.", "ls -l {file}",
                    "Show the size and permissions of {file}", "inspect")
LOOK_IN_DIR = Step("See what {dir} holds first.", "ls {dir}", "List the files in {dir}", "inspect")
GIT_STATE = Step("Check the state of the repository first.", "git status --short --branch",
                 "Show the current branch and the files with uncommitted changes", "inspect")

# reading files
LINE_COUNT = Step("Count the lines with wc.", "wc -l {file}", "Count the lines of {file}")
WORD_COUNT = Step("Count the words with wc.", "wc -w {file}", "Count the words of {file}")
HEAD = Step("Print the first {n} lines with head.", "head -n {n} {file}", "Show the first {n} lines of {file}")
TAIL = Step("Print the last {n} lines with tail.", "tail -n {n} {file}", "Show the last {n} lines of {file}")

# searching
SEARCH_TREE = Step("Search every file recursively, ignoring case and binary files; keep the file names.",
                   "grep -rIil --exclude-dir=.git '{word}' . | head -n 20", "List the files that mention '{word}'")
SEARCH_DIR = Step("Search {dir} recursively, ignoring case, with line numbers.",
                  "grep -rIin '{word}' {dir} | head -n 20", "Show the lines under {dir} that mention '{word}'")
SEARCH_FILE = Step("Search the file, ignoring case, with line numbers.", "grep -in '{word}' {file} | head -n 20",
                   "Show the lines of {file} that mention '{word}'")
COUNT_MATCHES = Step("Keep the lines that mention it, ignoring case, and count them.",
                     "grep -i '{word}' {file} | wc -l", "Count the lines of {file} that mention '{word}'")

# the tree's files
FIND_EXT = Step("Find the files by name, outside .git.", "find . -name '*.{ext}' -not -path './.git/*' | sort",
                "List every .{ext} file in the tree")
EXT_COUNTS = Step("Take each file's extension and count them.",
                  r"find . -type f -not -path './.git/*' | sed -n 's/.*\.\([^./]*\)$/\1/p' | sort | uniq -c | sort -rn",
                  "Count the files of each extension in the tree")
LARGEST = Step("List every file with its size in bytes, largest first.",
               r"find . -type f -not -path './.git/*' -printf '%s %p\n' | sort -rn | head -n {n}",
               "List the {n} largest files in the tree")
LIST_DIR = Step("List the directory with details.", "ls -la {dir}", "List the contents of {dir}", "inspect")
FILES_UNDER = Step("Find every file under it.", "find {dir} -type f | sort", "List every file under {dir}")
COUNT_FILES = Step("Find the files under it and count them.", "find {dir} -type f | wc -l",
                   "Count the files under {dir}")
DIR_SIZE = Step("Summarize its size with du.", "du -sh {dir}", "Show how much disk space {dir} takes")
LONGEST = Step("Count the lines of every file under it, longest first.",
               "find {dir} -type f -exec wc -l {{}} + | sort -rn | head -n 4",
               "List the longest files under {dir} by line count")

# git
RECENT_COMMITS = Step("Show the log, one line per commit.", "git log --oneline -n {n}", "Show the last {n} commits")
BRANCHES = Step("List every branch.", "git branch -a", "List the branches of the repository")
STATUS = Step("Ask git which files changed.", "git status --short", "List the files with uncommitted changes")
LAST_COMMIT = Step("Show the last commit with its file statistics.", "git show --stat --oneline HEAD",
                   "Show the files the last commit changed")
FILE_HISTORY = Step("Limit the log to that file.", "git log --oneline -- {file}",
                    "Show the commits that changed {file}")
AUTHORS = Step("Summarize the log by author.", "git shortlog -sn HEAD", "Count the commits of each author")
TAGS = Step("List the tags.", "git tag", "List the tags of the repository")

# writing (each checks its own result in the same line)
BACKUP = Step("Copy it beside itself, then check that both files are there.",
              "cp {file} {file}.bak && ls -l {file} {file}.bak", "Make a backup copy of {file} named {file}.bak")
NOTE = Step("Write the line into the new file and print it back.", "echo '{line}' > {name} && cat {name}",
            "Create {name} containing the line '{line}'")
APPEND = Step("Append the line, then show the end of the file.", "echo '{line}' >> {prose} && tail -n 2 {prose}",
              "Append the line '{line}' to {prose}")
ARCHIVE = Step("Create the compressed archive, then list what it holds.",
               "tar -czf {dir}.tar.gz {dir} && tar -tzf {dir}.tar.gz | head -n 10",
               "Archive the {dir} directory into {dir}.tar.gz")
COPY_INTO = Step("Create the directory, copy the file into it and list it.",
                 "mkdir -p {folder} && cp {file} {folder}/ && ls -l {folder}",
                 "Create the directory {folder} and copy {file} into it")

ALL = (LOOK_AROUND, LOOK_AT_FILE, LOOK_IN_DIR, GIT_STATE, LINE_COUNT, WORD_COUNT, HEAD, TAIL, SEARCH_TREE, SEARCH_DIR,
       SEARCH_FILE, COUNT_MATCHES, FIND_EXT, EXT_COUNTS, LARGEST, LIST_DIR, FILES_UNDER, COUNT_FILES, DIR_SIZE, LONGEST,
       RECENT_COMMITS, BRANCHES, STATUS, LAST_COMMIT, FILE_HISTORY, AUTHORS, TAGS, BACKUP, NOTE, APPEND, ARCHIVE,
       COPY_INTO)


@cache
def _patterns() -> tuple:
    return tuple((pattern(step.command), step) for step in ALL)


def explain(command: str) -> tuple[Step, dict[str, str]] | None:
    """The step a command line is, with its values."""
    return first_match(_patterns(), command)
