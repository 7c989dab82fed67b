"""`lbi env add` and `lbi env remove`: register the user's own environments in the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console

if TYPE_CHECKING:
    import sqlalchemy as sa

    from lbi.envs.user import UserEnvironment

console = Console()


def add(
    env_id: Optional[str] = typer.Argument(None, metavar="ID", help="Id for the new environment, e.g. my-shop."),
    family: Optional[str] = typer.Option(None, "--family", help="sqlite | shell"),
    db: Optional[Path] = typer.Option(None, "--db", help="SQLite database file (family sqlite); never modified."),
    tree: Optional[Path] = typer.Option(None, "--tree", help="Directory tree (family shell); never modified."),
    docs: list[Path] = typer.Option([], "--docs", help="Documentation file or directory; repeatable."),
    description: Optional[str] = typer.Option(None, "--description", help="What the environment is, for the model."),
    from_file: Optional[Path] = typer.Option(None, "--file", help="TOML file with one \\[environments.ID] table per environment."),
) -> None:
    """Register an environment of a known family over your own database or directory tree."""
    from lbi.envs import user

    if from_file is not None:
        if env_id or family or db or tree or docs or description:
            raise typer.BadParameter("--file registers what the file lists; give no other option with it")
        registrations = user.read_file(from_file)
    else:
        if not env_id or not family:
            raise typer.BadParameter("give an ID and --family (or --file)")
        if family not in user.FAMILIES:
            raise typer.BadParameter(f"unknown family '{family}' (families: {', '.join(user.FAMILIES)})")
        source = {"db": db, "tree": tree}[user.FAMILIES[family].source_option]
        if source is None:
            raise typer.BadParameter("--family sqlite needs --db FILE; --family shell needs --tree DIR")
        registrations = {user.check_id(env_id): user.registration_for(
            family=family, source=source, docs=list(docs), description=description)}
    for new_id, registration in registrations.items():
        _store(new_id, registration)


def remove(env_id: str = typer.Argument(..., metavar="ID", help="A user environment's id.")) -> None:
    """Forget a user environment (the data synthesized for it stays in the store)."""
    from lbi.envs import registry
    from lbi.store import environments

    if registry.is_builtin(env_id):
        raise typer.BadParameter(f"'{env_id}' is built in, not a user environment")
    with _engine().begin() as conn:
        removed = environments.unregister(conn, env_id=env_id)
    if not removed:
        raise typer.BadParameter(f"no user environment '{env_id}' is registered")
    console.print(f"removed {env_id}")


def _store(env_id: str, registration: UserEnvironment) -> None:
    from lbi.envs import user
    from lbi.store import environments

    with user.build(env_id, registration=registration.model_dump()) as env:
        spec = env.spec
    with _engine().begin() as conn:
        environments.register(conn, spec=spec, registration=registration.model_dump())
    console.print(f"registered {env_id}: {spec.family} over {registration.source} ({len(spec.docs)} "
                  "documentation sources); episodes run on copies, the original is never modified")


def _engine() -> sa.Engine:
    from lbi import runtime
    from lbi.config import Settings
    from lbi.store.migrate import migrate

    engine = runtime.store(Settings())
    migrate(engine)
    return engine


def register(app: typer.Typer) -> None:
    from lbi.cli import env_app

    env_app.command("add")(add)
    env_app.command("remove")(remove)
