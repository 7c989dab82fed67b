"""The SQLAlchemy engine for the store, from a configured URL or the embedded server."""

from __future__ import annotations

import time

import sqlalchemy as sa

from lbi.config import Settings
from lbi.store import embedded

IDLE_BEFORE_PING_S = 1.0  # a connection back in the pool for longer is pinged before reuse


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started if it is not running)."""
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return embedded.start(settings.pgdata)


def libpq_url(engine: sa.Engine) -> str:
    """The engine's URL as libpq and psycopg take it, password included."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10) -> sa.Engine:
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, future=True)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: sa.Engine) -> None:
    """Pessimistic disconnect handling, but only for connections that sat idle: a store that
    restarted is noticed before use, while a busy pool skips a round trip per checkout
    (a dead connection in a busy pool fails its statement and the pool is then recreated)."""

    @sa.event.listens_for(engine, "connect")
    @sa.event.listens_for(engine, "checkin")
    def remember_use(dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["checked_in_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:  # noqa: ANN001
        if time.monotonic() - record.info.get("checked_in_at", 0.0) < IDLE_BEFORE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise sa.exc.DisconnectionError(str(error)) from error
