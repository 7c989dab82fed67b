"""The ledger as the transport process keeps it: rows and lookups of calls made together written in
one statement each, every caller given its own result, a bad row failing only itself, a broken
connection opened again; the rows a client handed over written even when the client is gone; and the
client doing it itself when the transport cannot."""

from __future__ import annotations

import asyncio
import logging

import pytest
import sqlalchemy as sa

from lbi.models.call_ledger import CallLedger, GroupCommit
from lbi.models.client import ClientOptions, ModelClient
from lbi.models.frames import ANSWER, CALL, DROP_WAITING, RECORD, REPLY, REQUEST_HASH_SIZE, request_frame
from lbi.models.transport import Arguments, start_process
from lbi.store import ledger, runs
from lbi.store.engine import libpq_url
from tests.eventually import eventually
from tests.ledger_rows import numbered_row
from tests.lock_waits import sessions_waiting_on_a_lock
from tests.models.scripted_server import Reply, scripted


@pytest.fixture
def run_id(store: sa.Engine) -> int:
    with store.begin() as conn:
        return runs.create_run(conn, flow="test", environment_id=None, params={}, max_llm_calls=None, max_tokens=None)


def _stored(store: sa.Engine, run_id: int) -> dict[int, sa.Row]:
    with store.connect() as conn:
        return {row.id: row for row in conn.execute(sa.text(
            "SELECT id, request_hash, response_text, attempt, status FROM lbi.llm_calls WHERE run_id = :r"),
            {"r": run_id})}


def test_items_that_come_while_a_batch_is_written_go_together_in_the_next() -> None:
    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        return [item * 10 for item in items]

    async def main() -> list[int]:
        commit = GroupCommit(write)
        first = asyncio.ensure_future(commit(0))
        while not batches:
            await asyncio.sleep(0.001)
        return [await first, *await asyncio.gather(*(commit(item) for item in range(1, 50)))]

    assert asyncio.run(main()) == [item * 10 for item in range(50)]
    assert batches == [[0], list(range(1, 50))]  # the first alone; the 49 that came while it was written together


def test_concurrent_rows_get_their_own_ids_and_their_tokens_counted(store: sa.Engine, run_id: int) -> None:
    async def main() -> list[int]:
        async with CallLedger(libpq_url(store), run_id) as calls:
            return await asyncio.gather(*(calls.record(numbered_row(number).as_json()) for number in range(400)))

    ids = asyncio.run(main())
    stored = _stored(store, run_id)
    assert len(stored) == 400 and len(set(ids)) == 400
    for number, call_id in enumerate(ids):
        row = stored[call_id]
        assert (row.request_hash, row.response_text, row.attempt) == (f"h{number}", f"answer {number}\ufffd",
                                                                      number % 3 + 1)
        assert row.status == ("error" if number % 5 == 0 else "ok")
    with store.connect() as conn:
        tokens = conn.execute(sa.text("SELECT tokens FROM lbi.run_counters WHERE run_id = :r"), {"r": run_id}).scalar_one()
    assert tokens == sum(number + 1 for number in range(400) if number % 5)


def test_a_row_the_store_refuses_fails_only_itself(store: sa.Engine, run_id: int) -> None:
    async def main() -> list[int | BaseException]:
        async with CallLedger(libpq_url(store), run_id) as calls:
            rows = [numbered_row(number, "not json" if number == 7 else "{}").as_json() for number in range(64)]
            return await asyncio.gather(*(calls.record(row) for row in rows), return_exceptions=True)

    results = asyncio.run(main())
    assert "invalid input syntax for type json" in str(results[7])
    assert all(isinstance(result, int) for number, result in enumerate(results) if number != 7)
    assert len(_stored(store, run_id)) == 63


def test_lookups_made_together_serve_and_reserve_each_its_own(store: sa.Engine, run_id: int) -> None:
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE lbi.runs SET max_llm_calls = 3 WHERE id = :r"), {"r": run_id})
        [answered] = ledger.record_calls(conn, run_id=run_id, rows=[numbered_row(1)])

    async def main() -> list[ledger.Lookup]:
        async with CallLedger(libpq_url(store), run_id) as calls:
            return await asyncio.gather(*(calls.look_up(key) for key in ["new1", "h1", "new2", "new3", "new4"]))

    lookups = asyncio.run(main())
    assert lookups[1] == ledger.Lookup(ledger.CachedAnswer(answered, "answer 1\ufffd", 1, 1), False)
    assert [lookup.reserved for lookup in lookups] == [True, False, True, True, False]  # 3 calls, the first first


def test_a_connection_the_server_closed_is_opened_again(store: sa.Engine, run_id: int) -> None:
    async def main() -> list[int]:
        async with CallLedger(libpq_url(store), run_id) as calls:
            first = await calls.record(numbered_row(1).as_json())
            with store.connect() as conn:
                ended = conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                             " WHERE application_name = 'lbi model transport'"
                                             " AND datname = current_database()")).scalars().all()
            assert ended == [True]
            together = await asyncio.gather(*(calls.record(numbered_row(n).as_json()) for n in (2, 3)))
            return [first, *together]

    ids = asyncio.run(main())  # the batch that met the closed connection failed; its rows were written alone
    assert sorted(_stored(store, run_id)) == sorted(ids) and len(set(ids)) == 3


def test_the_rows_handed_over_are_written_when_the_client_is_gone(store: sa.Engine, run_id: int) -> None:
    transport = start_process(Arguments("http://127.0.0.1:9", "", 2, 5, libpq_url(store), run_id))
    frames = b"".join(request_frame(number, 0, RECORD, numbered_row(number).as_json().encode()) for number in range(30))
    transport.stdout.close()  # the client is gone: no one reads the replies
    transport.stdin.write(frames)
    transport.stdin.close()
    assert transport.wait(30) == 0
    assert sorted(row.request_hash for row in _stored(store, run_id).values()) == sorted(f"h{n}" for n in range(30))


def test_the_client_writes_the_ledger_itself_when_the_transport_cannot(store: sa.Engine, run_id: int,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """The store refuses the transport's connections (the role may have one connection, and the client's
    pool holds it): the client looks up and writes the ledger itself, and the cache still serves. It says
    so once."""
    role = f"ledger_test_{run_id}"
    with store.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1"))
        conn.execute(sa.text(f"GRANT USAGE ON SCHEMA lbi TO {role}"))
        conn.execute(sa.text(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA lbi TO {role}"))
        conn.execute(sa.text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA lbi TO {role}"))
    engine = sa.create_engine(store.url.set(username=role), pool_size=1, max_overflow=0)
    try:
        with engine.connect():
            pass  # the role's one connection, now in the pool
        with scripted([Reply(content=f"answer {n}") for n in range(3)]) as (url, seen):
            client = ModelClient(engine=engine, base_url=url, api_key="k", run_id=run_id,
                                 options=ClientOptions(concurrency=2, timeout_s=5, max_retries=1))
            answers = [client.complete(role="r", model="m", messages=[{"role": "user", "content": str(n)}])
                       for n in range(3)]
            again = client.complete(role="r", model="m", messages=[{"role": "user", "content": "0"}])
            client.close()
    finally:
        engine.dispose()
        with store.begin() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
    assert [answer.cached for answer in answers] == [False, False, False] and len(seen) == 3
    assert again.cached and again.call_id == answers[0].call_id and again.text == answers[0].text
    assert sorted(_stored(store, run_id)) == sorted(answer.call_id for answer in answers)
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "too many connections" in warnings[0], warnings


def test_a_frame_of_unknown_kind_is_answered_with_no_response() -> None:
    """A client of another version waits for no reply that never comes: the frame fails at once."""
    transport = start_process(Arguments("http://127.0.0.1:9", "", 2, 5, None, None))
    transport.stdin.write(request_frame(7, 0, 99, b"?"))
    transport.stdin.flush()
    request_id, kind, status, _, size = REPLY.unpack(transport.stdout.read(REPLY.size))
    assert (request_id, kind, status) == (7, ANSWER, 0)
    assert transport.stdout.read(size) == b"a request frame of unknown kind 99"
    transport.stdin.close()
    assert transport.wait(10) == 0


def test_a_call_whose_lookup_is_in_flight_when_the_run_stops_is_not_posted(store: sa.Engine, run_id: int) -> None:
    """The lookup waits on the run's counters (held here), the run stops meanwhile (DROP_WAITING), then the
    lookup reserves the call: it is answered as dropped and never reaches the model."""
    with scripted([Reply(content="never")]) as (url, seen), store.connect() as holder:
        holder.execute(sa.text("SELECT 1 FROM lbi.run_counters WHERE run_id = :r FOR UPDATE"), {"r": run_id})
        transport = start_process(Arguments(url, "", 2, 5, libpq_url(store), run_id))
        try:
            transport.stdin.write(request_frame(1, 0, CALL, b"a" * REQUEST_HASH_SIZE + b'{"model": "m"}'))
            transport.stdin.flush()
            assert eventually(lambda: sessions_waiting_on_a_lock(store, "application_name = 'lbi model transport'")), \
                "the lookup never waited on the run's row"
            # the drop, then a frame answered at once: its reply says the drop was read (frames are read in order)
            transport.stdin.write(request_frame(0, 0, DROP_WAITING, b"") + request_frame(2, 0, 99, b""))
            transport.stdin.flush()
            request_id, *_, size = REPLY.unpack(transport.stdout.read(REPLY.size))
            assert request_id == 2 and transport.stdout.read(size)
            holder.rollback()  # the lookup goes on, and reserves the call
            request_id, kind, status, _, size = REPLY.unpack(transport.stdout.read(REPLY.size))
            assert (request_id, kind, status) == (1, ANSWER, 0)
            assert transport.stdout.read(size).startswith(b"dropped before it was sent")
        finally:
            transport.stdin.close()
            assert transport.wait(10) == 0
        assert seen == []
