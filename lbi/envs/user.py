"""Environments users bring without writing a class: an instance of a family (sqlite, shell, ...) over
their own database file or directory tree, with their own documentation.

A registration is stored in ``lbi.environments.config`` (``lbi env add``);
``StoreLoader`` is how the registry finds it and turns it into a spec. The
user's file or tree is only ever read: each episode works on a copy.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lbi.envs import families
from lbi.envs.base import EnvSpec
from lbi.envs.registry import is_builtin
from lbi.errors import ConfigError, StoreError

ENV_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class UserEnvironment(BaseModel):
    """One registration, as stored (absolute paths)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str
    source: str = Field(description="The database file (sqlite) or directory tree (shell), absolute.")
    docs: list[str] = Field(default_factory=list, description="Documentation files or directories, absolute.")
    default_docs: bool = Field(True, description="Also read the family's default documentation.")
    description: str | None = None
    options: dict[str, str] = Field(default_factory=dict, description="The family's further options (workdir, ...).")

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        families.family(value)
        return value

    @field_validator("source")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not Path(value).is_absolute():
            raise ValueError("the source path must be absolute")
        return value

    @model_validator(mode="after")
    def _options_of_the_family(self) -> "UserEnvironment":
        known = families.family(self.family).options
        unknown = sorted(set(self.options) - set(known))
        if unknown:
            accepted = ", ".join(sorted(known)) or "none"
            raise ValueError(f"the {self.family} family has no option '{unknown[0]}' (its options: {accepted})")
        return self


def check_id(env_id: str) -> str:
    if not ENV_ID.fullmatch(env_id):
        raise ConfigError(f"{env_id!r} is not a usable environment id: lower-case letters, digits, '.', '_', "
                          "'-', starting with a letter or digit, at most 64 characters (e.g. my-shop-v0)")
    if is_builtin(env_id):
        raise ConfigError(f"'{env_id}' is a built-in environment; choose another id")
    return env_id


def registration_for(*, family: str, source: str | Path, docs: list[str | Path], description: str | None = None,
                     default_docs: bool = True, options: dict[str, str] | None = None,
                     base: Path | None = None) -> UserEnvironment:
    """A registration from user input, paths resolved (against ``base`` when relative) and checked."""

    def resolved(path: str | Path) -> Path:
        path = Path(path).expanduser()
        return (base / path if base and not path.is_absolute() else path).resolve()

    for doc in docs:
        if not resolved(doc).exists():
            raise ConfigError(f"documentation '{doc}': no such file or directory")
    try:
        return UserEnvironment(family=family, source=str(resolved(source)), docs=[str(resolved(d)) for d in docs],
                               description=description, default_docs=default_docs, options=options or {})
    except ValueError as error:
        raise ConfigError(_first_problem(error)) from None


def _first_problem(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(map(str, first["loc"]))
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(error)


def user_spec(env_id: str, user: UserEnvironment) -> EnvSpec:
    """The spec of a user's environment: its family's class over the user's source."""
    kind = families.family(user.family)
    name = Path(user.source).stem if Path(user.source).suffix else Path(user.source).name
    docs = tuple(Path(d) for d in user.docs) + (kind.default_docs() if user.default_docs else ())
    kwargs: dict[str, Any] = {kind.source_kwarg: user.source} if kind.source_kwarg else {}
    kwargs.update({kind.options[option]: value for option, value in user.options.items()})
    return EnvSpec(id=env_id, family=user.family, description=user.description or kind.describe(name, user.options),
                   action_language=kind.action_language, docs=docs, kwargs=kwargs)


def read_file(path: Path) -> dict[str, UserEnvironment]:
    """Registrations from a TOML file: one ``[environments.ID]`` table each, paths relative to the file.

    ``family``, then the family's source option (``db`` for sqlite, ``tree`` for shell), optional ``docs``
    (a list), ``default_docs`` (true), ``description`` and the family's options (``workdir`` for shell).
    """
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    tables = data.get("environments")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path} has no [environments.ID] table")
    found = {}
    for env_id, table in tables.items():
        where = f"{path}: [environments.{env_id}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        kind = families.family(str(table.get("family")))
        allowed = {"family", kind.source_option, "docs", "default_docs", "description", *kind.options}
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise ConfigError(f"{where}: unknown key '{unknown[0]}' (keys: {', '.join(sorted(allowed))})")
        if kind.source_option not in table:
            raise ConfigError(f"{where} needs {kind.source_option} = ... for family \"{kind.name}\"")
        found[check_id(env_id)] = registration_for(
            family=kind.name, source=table[kind.source_option], docs=list(table.get("docs", [])),
            description=table.get("description"), default_docs=bool(table.get("default_docs", True)),
            options={key: str(table[key]) for key in kind.options if key in table}, base=Path(path).resolve().parent)
    return found


@cache
def _engine(url: str) -> sa.Engine:
    from lbi.store.engine import create_engine

    return create_engine(url, pool_size=2)


def store_url() -> str | None:
    """The store to look in: LBI_DATABASE_URL, or the embedded server if it is already running.

    A lookup never starts a server: with neither, there are no user environments to find.
    """
    from lbi.config import Settings
    from lbi.store import embedded
    from lbi.store.engine import database_url

    settings = Settings()
    if settings.database_url:
        return database_url(settings)
    info = embedded.running_info(settings.pgdata.resolve())
    return embedded.url_for(info) if info else None


class StoreLoader:
    """The registry's default loader: user environments registered in the store."""

    def find(self, env_id: str) -> EnvSpec | None:
        stored = self._query(lambda conn: _stored(conn, env_id))
        return user_spec(env_id, UserEnvironment.model_validate(stored)) if stored else None

    def ids(self) -> list[str]:
        return self._query(_ids) or []

    def _query(self, work: Any) -> Any:
        url = store_url()
        if url is None:
            return None
        try:
            with _engine(url).connect() as conn:
                return work(conn)
        except sa.exc.ProgrammingError:
            return None  # a store not migrated yet holds no registration
        except sa.exc.OperationalError as error:
            raise StoreError(f"the store at {url.split('@')[-1]} could not be reached: {error.orig}") from None


def _stored(conn: sa.Connection, env_id: str) -> dict[str, Any] | None:
    from lbi.store import environments

    return environments.registration(conn, env_id=env_id)


def _ids(conn: sa.Connection) -> list[str]:
    from lbi.store import environments

    return environments.registered_ids(conn)
