"""The ledger's statements: rows stored as they were given, lookups made together answered in one
statement, each its own, without waiting for units writing rows of the run. Their group commit is
tested with the transport process that runs it (tests/models/test_call_ledger.py)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from lbi.store import ledger, runs
from tests.ledger_rows import numbered_row


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
        counters = conn.execute(sa.text("SELECT llm_calls, cache_hits, cached_tokens FROM lbi.runs WHERE id = :r"),
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
