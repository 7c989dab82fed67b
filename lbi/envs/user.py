"""Environments users bring without writing a class: an instance of a family (sqlite, shell) over their own
database file or directory tree, with their own documentation.

A registration is stored in ``lbi.environments.config`` (``lbi env add``);
``StoreLoader`` is how the registry finds it. The user's file or tree is only
ever read: each episode works on a copy.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lbi.envs.base import Environment
from lbi.envs.registry import Registration, is_builtin
from lbi.errors import ConfigError, StoreError

ENV_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Family:
    entry_point: str
    source_kwarg: str  # the constructor argument that takes the user's file or tree
    source_option: str  # its name on the command line and in config files


FAMILIES = {
    "sqlite": Family("lbi.envs.sqlite.env:SqliteEnv", "database", "db"),
    "shell": Family("lbi.envs.shell.env:ShellEnv", "tree", "tree"),
}


class UserEnvironment(BaseModel):
    """One registration, as stored (absolute paths)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: Literal["sqlite", "shell"]
    source: str = Field(description="The database file (sqlite) or directory tree (shell), absolute.")
    docs: list[str] = Field(default_factory=list, description="Documentation files or directories, absolute.")
    description: str | None = None

    @field_validator("source")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not Path(value).is_absolute():
            raise ValueError("the source path must be absolute")
        return value


def check_id(env_id: str) -> str:
    if not ENV_ID.match(env_id):
        raise ConfigError(f"'{env_id}' is not a usable environment id: lower-case letters, digits, '.', '_', "
                          "'-', starting with a letter or digit (e.g. my-shop or my-shop-v0)")
    if is_builtin(env_id):
        raise ConfigError(f"'{env_id}' is a built-in environment; choose another id")
    return env_id


def registration_for(*, family: str, source: str | Path, docs: list[str | Path], description: str | None = None,
                     base: Path | None = None) -> UserEnvironment:
    """A registration from user input, paths resolved (against ``base`` when relative) and checked."""
    if family not in FAMILIES:
        raise ConfigError(f"unknown family '{family}' (families: {', '.join(FAMILIES)})")

    def resolved(path: str | Path) -> Path:
        path = Path(path).expanduser()
        return (base / path if base and not path.is_absolute() else path).resolve()

    for doc in docs:
        if not resolved(doc).exists():
            raise ConfigError(f"documentation '{doc}': no such file or directory")
    return UserEnvironment(family=family, source=str(resolved(source)), docs=[str(resolved(d)) for d in docs],
                           description=description)


def build(env_id: str, *, registration: dict[str, Any], **overrides: Any) -> Environment:
    """The family's environment over the user's source, its spec naming the user's documentation."""
    user = UserEnvironment.model_validate(registration)
    family = FAMILIES[user.family]
    entry = Registration(env_id, family.entry_point)
    env = entry.load()(env_id=env_id, **{family.source_kwarg: user.source}, **overrides)
    docs = tuple(Path(d) for d in user.docs) or env.spec.docs
    env.spec = replace(env.spec, docs=docs, description=user.description or env.spec.description)
    return env


def registration_entry(env_id: str, user: UserEnvironment) -> Registration:
    return Registration(env_id, "lbi.envs.user:build", {"registration": user.model_dump()})


def read_file(path: Path) -> dict[str, UserEnvironment]:
    """Registrations from a TOML file: one ``[environments.ID]`` table each, paths relative to the file.

    ``family``, then ``db`` (sqlite) or ``tree`` (shell), optional ``docs`` (a list) and ``description``.
    """
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    tables = data.get("environments")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path} has no [environments.ID] table")
    found = {}
    for env_id, table in tables.items():
        family = FAMILIES.get(str(table.get("family")))
        if family is None or family.source_option not in table:
            raise ConfigError(f"{path}: [environments.{env_id}] needs family = \"sqlite\" with db = ..., "
                              "or family = \"shell\" with tree = ...")
        found[check_id(env_id)] = registration_for(
            family=table["family"], source=table[family.source_option], docs=list(table.get("docs", [])),
            description=table.get("description"), base=Path(path).resolve().parent)
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

    def find(self, env_id: str) -> Registration | None:
        stored = self._query(lambda conn: _stored(conn, env_id))
        return registration_entry(env_id, UserEnvironment.model_validate(stored)) if stored else None

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
