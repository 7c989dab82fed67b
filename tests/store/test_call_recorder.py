"""The ledger's statements: rows stored as they were given, lookups made together answered in one
statement, each its own, without waiting for units writing rows of the run; a row written twice kept
once. Their group commit is tested with the transport process that runs it
(tests/models/test_call_ledger.py)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest
import sqlalchemy as sa

from lbi.models.call_ledger import CallLedger
from lbi.store import ledger, runs
from lbi.store.engine import libpq_url
from tests.eventually import eventually
from tests.ledger_rows import numbered_row
from tests.lock_waits import sessions_waiting_on_a_lock


@pytest.fixture
def run_id(store: sa.Engine) -> int:
    with store.begin() as conn:
        conn.execute(sa.text("INSERT INTO lbi.environments (id, family, description, action_language)"
                             " VALUES ('recorder-env-v0', 'sqlite', 'd', 'SQL')"))
        return runs.create_run(conn, flow="synthesize", environment_id="recorder-env-v0", params={},
                               max_llm_calls=None, max_tokens=None)


def test_every_character_of_a_request_and_its_answer_is_stored_as_it_was(store: sa.Engine, run_id: int) -> None:
    """The rows travel as one JSON parameter: quotes, backslashes, escapes written out, control
    characters and any script come back as they went; only what Postgres cannot store is replaced."""
    awkward = 'say "hi" \\ C:\\dir\\new \\u0041 \u00e9\u6f22\U0001f600 tab\tline\nend \x01 </script>'
    request_json = json.dumps({"messages": [{"role": "user", "content": awkward}]}, ensure_ascii=False)
    row = ledger.CallRow(request_hash="awkward", role="r", model="m", request_json=request_json, status="ok",
                         response_text=awkward + "\x00 \ud800", error="bad \\ \"news\"", http_status=None)
    with store.begin() as conn:
        [call_id] = ledger.record_calls(conn, run_id=run_id, rows=[row])
        stored = conn.execute(sa.text("SELECT request, response_text, error, http_status FROM lbi.llm_calls"
                                      " WHERE id = :i"), {"i": call_id}).one()
    assert stored.request == json.loads(request_json)
    assert stored.response_text == awkward + "\ufffd \ufffd"
    assert (stored.error, stored.http_status) == ('bad \\ "news"', None)


def test_lookups_together_serve_answers_and_reserve_the_budget_in_order(store: sa.Engine, run_id: int) -> None:
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE lbi.runs SET max_llm_calls = 2 WHERE id = :r"), {"r": run_id})
        answered = ledger.record_calls(conn, run_id=run_id, rows=[numbered_row(1), ledger.CallRow(
            request_hash="h1", role="r", model="m", request_json="{}", status="ok", response_text="later")])
        lookups = ledger.serve_or_reserve(conn, request_hashes=["new1", "h1", "new2", "new3"], run_id=run_id)
        counters = conn.execute(sa.text("SELECT llm_calls, cache_hits, cached_tokens FROM lbi.run_counters WHERE run_id = :r"),
                                {"r": run_id}).one()
    assert [lookup.reserved for lookup in lookups] == [True, False, True, False]
    assert [lookup.cached for lookup in lookups[::2]] == [None, None]
    assert lookups[1].cached == ledger.CachedAnswer(answered[0], "answer 1\ufffd", 1, 1)  # the first answer
    assert tuple(counters) == (2, 1, 2)


def test_a_lookup_does_not_wait_for_a_unit_writing_rows_of_the_run(store: sa.Engine, run_id: int) -> None:
    """A unit's open transaction that stored a row referring to the run (the foreign key takes a share lock
    on the run's row) must not hold back the run's lookups, which count calls on that row."""
    with store.connect() as unit, unit.begin():
        unit.execute(sa.text("INSERT INTO lbi.instructions (environment_id, origin, text, text_hash, run_id)"
                             " VALUES ('recorder-env-v0', 'self_instruct', 't', 'h', :r)"), {"r": run_id})
        with store.connect() as conn, conn.begin():
            conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            lookups = ledger.serve_or_reserve(conn, request_hashes=["new"], run_id=run_id)
    assert [lookup.reserved for lookup in lookups] == [True]


def _attempts(conn: sa.Connection, run_id: int) -> list[tuple[int, str]]:
    return [tuple(row) for row in conn.execute(sa.text(
        "SELECT id, request_hash FROM lbi.llm_calls WHERE run_id = :r ORDER BY id"), {"r": run_id})]


def test_a_row_written_twice_is_kept_once(store: sa.Engine, run_id: int) -> None:
    """A row the transport committed but whose reply was lost is written again by the client: the same
    attempt, one row, its tokens counted once, its id the first write's (the new row beside it is written)."""
    again = numbered_row(1)
    with store.begin() as conn:
        [first] = ledger.record_calls(conn, run_id=run_id, rows=[again])
        second, new = ledger.record_calls(conn, run_id=run_id, rows=[again, numbered_row(2)])
        tokens = conn.execute(sa.text("SELECT tokens FROM lbi.run_counters WHERE run_id = :r"), {"r": run_id}).scalar_one()
        assert _attempts(conn, run_id) == [(first, "h1"), (new, "h2")]
    assert second == first and tokens == 2 + 3


def _record_on_a_new_connection(store: sa.Engine, run_id: int, row_json: str) -> int:
    with store.begin() as conn:
        return ledger.record_json_rows(conn, run_id=run_id, rows=[row_json])[0]


def _record_in_the_transport_s_ledger(store: sa.Engine, run_id: int, row_json: str) -> int:
    async def main() -> int:
        async with CallLedger(libpq_url(store), run_id) as calls:
            return await calls.record(row_json)

    return asyncio.run(main())


@pytest.mark.parametrize("record", [_record_on_a_new_connection, _record_in_the_transport_s_ledger])
def test_a_row_written_while_its_first_write_commits_gets_that_write_s_id(
        store: sa.Engine, run_id: int, record: Callable[[sa.Engine, int, str], int]) -> None:
    """The second write of a row (by the client, or by the transport) waits for a first one still in its
    transaction (the key's unique index), then keeps that row and answers with its id, which its own
    statement could not see."""
    row_json = numbered_row(1).as_json()
    with store.connect() as first, ThreadPoolExecutor(1) as pool:
        with first.begin():
            [first_id] = ledger.record_json_rows(first, run_id=run_id, rows=[row_json])
            second = pool.submit(record, store, run_id, row_json)
            assert eventually(lambda: sessions_waiting_on_a_lock(store, "query LIKE 'WITH new AS%'")), \
                "the second write never waited for the first"
        assert second.result(timeout=10) == first_id
        assert _attempts(first, run_id) == [(first_id, "h1")]
