"""The bash script every backend runs a command through: it carries the working directory and the
exported variables from one command to the next (each command is a new process tree).

Only shell builtins run before the command, so whatever the previous command
exported (PATH included) cannot break the wrapper. Arguments: the mode
(``session`` or ``fresh``) and the command.
"""

from __future__ import annotations

import shlex

from lbi.sandbox.base import HOME, USER, WORKDIR

STATE_DIR = "/run/lbi-shell"


def wrapper(workdir: str = WORKDIR) -> str:
    """One line, so that bash numbers the lines of the command from 1 in its messages."""
    return " ".join((
        "__lbi_command=$2;",
        f"cd -- {shlex.quote(workdir)} 2>/dev/null;",
        'if [ "$1" = session ]; then',
        f"if [ -r {STATE_DIR}/env ]; then . {STATE_DIR}/env >/dev/null 2>&1; fi;",
        f'if [ -r {STATE_DIR}/cwd ] && read -r __lbi_cwd < {STATE_DIR}/cwd; then cd -- "$__lbi_cwd" 2>/dev/null; fi;',
        f"trap 'pwd > {STATE_DIR}/cwd; export -p > {STATE_DIR}/env' EXIT;",
        "fi;",
        "unset __lbi_cwd; set --;",
        'eval "unset __lbi_command; $__lbi_command"',
    ))


def argv(command: str, *, fresh: bool, workdir: str = WORKDIR) -> list[str]:
    """``command`` through the wrapper, starting in ``workdir`` (or where the session left off)."""
    return ["/bin/bash", "--noprofile", "--norc", "-c", wrapper(workdir), "bash", "fresh" if fresh else "session",
            command]


ENVIRONMENT = {
    "HOME": HOME, "USER": USER, "LOGNAME": USER, "SHELL": "/bin/bash",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8", "TERM": "dumb", "TMPDIR": "/tmp", "PAGER": "cat", "GIT_PAGER": "cat", "MANPAGER": "cat",
}
