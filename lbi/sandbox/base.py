"""The sandbox interface: a backend opens one sandbox per episode; a sandbox runs bash commands in it.

A sandbox holds a private copy of a directory tree at its ``workdir`` (``WORKDIR`` unless the
backend's ``open`` is given another, see workdir.py) and a private
/tmp, sees the system read-only, has no network, and bounds every command in
time, memory, processes, file size and output. Backends (one per file) own
every subprocess or engine call they make; nothing else runs model commands.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Mapping

from lbi.errors import LbiError

HOME = "/home/user"
WORKDIR = f"{HOME}/project"
USER = "user"


class SandboxError(LbiError, RuntimeError):
    """A sandbox could not be set up or failed itself (not a failing command: that is a result)."""


class SandboxUnavailable(SandboxError):
    """The requested sandbox backend (or every backend) cannot run on this machine."""


@dataclass(frozen=True)
class SandboxLimits:
    """What a sandbox may use. How each bound is enforced is the backend's business (see its docstring).

    ``memory_mb`` bounds one process, ``memory_total_mb`` the sandbox's processes together (and ``disk_mb``
    its files, wherever they are kept)."""

    memory_mb: int = 512
    memory_total_mb: int = 1024
    max_processes: int = 64
    file_size_mb: int = 64
    disk_mb: int = 256
    open_files: int = 256
    output_bytes: int = 64_000
    output_ceiling_bytes: int = 8_000_000


@dataclass(frozen=True)
class CommandResult:
    """What one command produced: its merged stdout and stderr, bounded, and how it ended.

    ``output`` keeps the head and the tail of what was written (``truncated``
    says bytes were left out in between); ``exit_code`` is None when the
    sandbox stopped the command (time limit, output ceiling).
    """

    output: str
    exit_code: int | None
    output_bytes: int = 0
    truncated: bool = False
    timed_out: bool = False
    output_stopped: bool = False
    over_disk_quota: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not (self.timed_out or self.output_stopped or self.over_disk_quota)


class Sandbox(ABC):
    """One episode's sandbox: its workspace lives until ``close``; each ``run`` is one command."""

    workdir: str = WORKDIR  # where the tree sits and where every fresh command starts

    @abstractmethod
    def run(self, command: str, *, timeout_s: float, fresh: bool = False) -> CommandResult:
        """Run ``command`` with ``bash -c`` in the sandbox.

        The working directory and exported variables carry over from the
        previous command unless ``fresh`` (checkers run fresh, from ``workdir``).
        Background processes never outlive the command.
        """

    @abstractmethod
    def close(self) -> None:
        """Stop everything the sandbox runs and delete its files; safe to call twice."""

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SandboxBackend(ABC):
    name: ClassVar[str]

    @abstractmethod
    def problem(self) -> str | None:
        """Why this backend cannot run here (None when it can); says what to install or start."""

    @abstractmethod
    def open(self, tree: Path | None, limits: SandboxLimits, *, workdir: str = WORKDIR,
             read_only: Mapping[str, Path] | None = None) -> Sandbox:
        """A new sandbox whose workspace at ``workdir`` (checked by workdir.validated_workdir) is a fresh copy
        of ``tree`` (empty when None). ``read_only`` maps sandbox paths (checked like ``workdir``) to host
        directories shown there read-only, never copied (a prepared environment of dependencies)."""
