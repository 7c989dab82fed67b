"""`lbi clean`: reclaim what runs killed with SIGKILL left behind (lbi/sandbox/leftovers.py): episode
directories and their tmpfs, sandbox cgroups, and processes they started (the temporary Prefect API server).

Registering the command also marks this process as the owner of the processes it starts, which is how a
later `lbi clean` tells an orphan of a dead run from anything else."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from lbi.sandbox import leftovers


def register(app: typer.Typer) -> None:
    leftovers.mark_children()
    app.command("clean")(clean)


def clean(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Where episodes kept their files "
                                                                  "(default: the temporary directory)."),
) -> None:
    """Remove what dead runs left: episode directories, sandbox cgroups, orphaned processes."""
    directories = leftovers.reclaim_directories(directory)
    cgroups = leftovers.reclaim_cgroups()
    processes = leftovers.reclaim_processes()
    typer.echo(f"removed {len(directories)} episode directories and {len(cgroups)} sandbox cgroups; "
               f"stopped {len(processes)} orphaned processes")
