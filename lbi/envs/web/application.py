"""A web application the family serves: the state copied per episode and the command that serves it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Application:
    """``start`` is the command (arguments) that serves ``state`` on a port; ``{port}`` and ``{state}`` in it
    become the episode's port and its private copy of ``state``. ``start_url`` is the path an episode opens.
    ``login`` is (user, password, path): the episode visits ``path`` with HTTP credentials before starting.
    ``database`` is the state's SQLite file (relative to it) that state checks read, if any."""

    state: Path  # a directory copied whole for each episode
    start: tuple[str, ...]
    start_url: str = "/"
    login: tuple[str, str, str] | None = None
    database: str | None = None
