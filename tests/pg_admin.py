"""A connection to the tests' Postgres server as its superuser, on its maintenance database (to make and
drop databases)."""

from __future__ import annotations

import psycopg

from lbi.store import embedded


def admin_connection(info: embedded.PostmasterInfo) -> psycopg.Connection:
    return psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                           autocommit=True)
