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
    family: Optional[str] = typer.Option(None, "--family", help="The kind of environment (see `lbi envs`): "
                                         "sqlite | shell"),
    db: Optional[Path] = typer.Option(None, "--db", help="SQLite database file (family sqlite); never modified."),
    tree: Optional[Path] = typer.Option(None, "--tree", help="Directory tree (family shell); never modified."),
    repo: Optional[Path] = typer.Option(None, "--repo", help="Python repository with pytest tests (family "
                                        "python-repo); never modified."),
    test: Optional[str] = typer.Option(None, "--test", help="How the repository's tests run (family python-repo), "
                                       "e.g. \"pytest -q\"."),
    install: Optional[str] = typer.Option(None, "--install", help="Installs the repository's dependencies once, "
                                          "on this machine, into the environment episodes use (family python-repo), "
                                          "e.g. \"pip install -e .\"."),
    app: Optional[Path] = typer.Option(None, "--app", help="Directory holding a web application's state (family "
                                       "web), copied for each episode; never modified."),
    start: Optional[str] = typer.Option(None, "--start", help="Command serving the application (family web), run in "
                                        "the episode's copy; {port} and {state} are filled in, e.g. "
                                        "\"python3 {state}/app.py {port}\"."),
    url: Optional[str] = typer.Option(None, "--url", help="Path an episode opens (family web), e.g. /items."),
    database: Optional[str] = typer.Option(None, "--database", help="The application's SQLite file, relative to "
                                           "--app, that sql checks read (family web)."),
    docs: list[Path] = typer.Option([], "--docs", help="Documentation file or directory, added to the family's "
                                    "default documentation; repeatable."),
    no_default_docs: bool = typer.Option(False, "--no-default-docs", help="Read only --docs (and, for sqlite, the "
                                         "generated schema document), not the family's default documentation."),
    workdir: Optional[str] = typer.Option(None, "--workdir", help="Where the tree sits in the sandbox and where "
                                          "commands start (family shell), e.g. /testbed; default /home/user/project."),
    description: Optional[str] = typer.Option(None, "--description", help="What the environment is, for the model."),
    force: bool = typer.Option(False, "--force", help="Replace an environment already registered under ID."),
    from_file: Optional[Path] = typer.Option(None, "--file", help="TOML file with one \\[environments.ID] table per environment."),
) -> None:
    """Register an environment of a known family over your own database or directory tree."""
    from lbi.envs import families, user

    sources = {"db": db, "tree": tree, "repo": repo, "app": app}
    given = {"workdir": workdir, "test": test, "install": install, "start": start, "url": url, "database": database}
    options = {name: value for name, value in given.items() if value is not None}
    if from_file is not None:
        if env_id or family or any(sources.values()) or options or docs or description or no_default_docs:
            raise typer.BadParameter("--file registers what the file lists; give no other option with it")
        registrations = user.read_file(from_file)
    else:
        if not env_id or not family:
            raise typer.BadParameter("give an ID and --family (or --file)")
        kind = families.family(family)
        source = sources.get(kind.source_option or "")
        if source is None:
            raise typer.BadParameter(f"--family {family} needs --{kind.source_option}")
        registrations = {user.check_id(env_id): user.registration_for(
            family=family, source=source, docs=list(docs), description=description,
            default_docs=not no_default_docs, options=options)}
    engine = _engine()
    for new_id, registration in registrations.items():
        _refuse_existing(engine, new_id, registration, force)
    for new_id, registration in registrations.items():
        _store(engine, new_id, _grounded(new_id, registration))


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


def _refuse_existing(engine: sa.Engine, env_id: str, registration: UserEnvironment, force: bool) -> None:
    from lbi.errors import ConfigError
    from lbi.store import environments

    with engine.connect() as conn:
        stored = environments.registration(conn, env_id=env_id)
    if stored is None or force:
        return
    change = (f", and as family {stored.get('family')}, not {registration.family}"
              if stored.get("family") != registration.family else "")
    raise ConfigError(f"'{env_id}' is already registered (over {stored.get('source')}{change}); "
                      "pass --force to replace it, or choose another id")


def _grounded(env_id: str, registration: UserEnvironment) -> UserEnvironment:
    """The registration with the documentation its family writes about the source (a database's schema)."""
    from lbi.config import Settings
    from lbi.envs import families

    directory = Settings().home / "environments" / env_id
    written = families.family(registration.family).ground(Path(registration.source), env_id, directory)
    docs = [str(path) for path in written] + [d for d in registration.docs if d not in map(str, written)]
    return registration.model_copy(update={"docs": docs})


def _store(engine: sa.Engine, env_id: str, registration: UserEnvironment) -> None:
    from lbi.envs import families, user
    from lbi.store import environments

    spec = user.user_spec(env_id, registration)
    families.family(spec.family).environment_class()(env_id=env_id, **spec.kwargs)  # checks the source
    with engine.begin() as conn:
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
