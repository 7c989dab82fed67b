"""The SQLAlchemy engine for the store, from a configured URL or the embedded server."""

from __future__ import annotations

import sqlalchemy as sa

from lbi.config import Settings
from lbi.store import embedded


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started if it is not running)."""
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return embedded.start(settings.pgdata)


def create_engine(url: str, *, pool_size: int = 10) -> sa.Engine:
    return sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, future=True)
