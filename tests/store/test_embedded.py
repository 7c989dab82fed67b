from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lbi.store import embedded


def test_start_is_idempotent_and_stop_stops(tmp_path: Path) -> None:
    pgdata = tmp_path / "a-rather-long-directory-name-to-push-the-socket-path-past-its-limit" / "pgdata"
    url = embedded.start(pgdata)
    assert embedded.start(pgdata) == url
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_database()")).scalar() == "lbi"
    engine.dispose()
    assert embedded.stop(pgdata) is True
    assert embedded.running_info(pgdata.resolve()) is None
    assert embedded.stop(pgdata) is False
    assert embedded.start(pgdata) == url, "data directory reused after a restart"
    embedded.stop(pgdata)
