from __future__ import annotations

import os
import pwd
import socket
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from lbi.errors import StoreError
from lbi.store import embedded


def test_start_is_idempotent_and_stop_stops(tmp_path: Path) -> None:
    pgdata = tmp_path / "a-rather-long-directory-name-to-push-the-socket-path-past-its-limit" / "pgdata"
    url = embedded.start(pgdata)
    assert embedded.start(pgdata) == url
    socket_dir = embedded.running_info(pgdata.resolve()).socket_dir
    assert socket_dir != pgdata.resolve()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_database()")).scalar() == "lbi"
    engine.dispose()
    assert embedded.stop(pgdata) is True
    assert embedded.running_info(pgdata.resolve()) is None
    assert not socket_dir.exists(), "the socket directory in /tmp is removed with the server"
    assert embedded.stop(pgdata) is False
    assert embedded.start(pgdata) == url, "data directory reused after a restart"
    embedded.stop(pgdata)


LONG = "a-directory-name-long-enough-to-push-the-socket-path-past-what-a-unix-socket-can-hold"


def _stranger_can_connect(socket_path: Path) -> bool:
    """Whether an unprivileged user (nobody) can open a connection on the socket."""
    child = os.fork()
    if child == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            socket.socket(socket.AF_UNIX).connect(str(socket_path))
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("layout", ["short", "long"])
def test_the_socket_is_private_in_every_layout(tmp_path: Path, layout: str) -> None:
    pgdata = tmp_path / "pgdata" if layout == "short" else tmp_path / LONG / "pgdata"
    embedded.start(pgdata)
    try:
        info = embedded.running_info(pgdata.resolve())
        assert (info.socket_dir == pgdata.resolve()) == (layout == "short")
        found = info.socket_dir.stat()
        assert stat.S_IMODE(found.st_mode) == 0o700
        assert found.st_uid == (pwd.getpwnam(embedded.SERVER_USER).pw_uid if os.geteuid() == 0 else os.geteuid())
        socket_path = info.socket_dir / f".s.PGSQL.{info.port}"
        assert stat.S_IMODE(socket_path.stat().st_mode) == 0o700
        if os.geteuid() == 0:
            assert not _stranger_can_connect(socket_path)
    finally:
        embedded.stop(pgdata)


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a directory of another user needs root")
def test_a_socket_directory_planted_by_someone_else_is_refused(tmp_path: Path) -> None:
    pgdata = (tmp_path / LONG / "pgdata").resolve()
    planted = embedded._socket_dir(pgdata)
    planted.mkdir(mode=0o777)
    os.chown(planted, 65534, 65534)
    try:
        with pytest.raises(StoreError, match="belongs to uid 65534, not to us"):
            embedded.start(pgdata)
        assert embedded.running_info(pgdata) is None
    finally:
        planted.rmdir()


def test_a_wide_socket_directory_of_ours_is_made_private(tmp_path: Path) -> None:
    pgdata = (tmp_path / LONG / "pgdata").resolve()
    socket_dir = embedded._socket_dir(pgdata)
    socket_dir.mkdir(mode=0o777)
    socket_dir.chmod(0o777)
    embedded.start(pgdata)
    try:
        assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    finally:
        embedded.stop(pgdata)
