"""Proposed tasks are stored once per environment, whoever proposes them and however often, each linked to
every chunk that proposed it; writers storing the same texts at once wait for one another, never deadlock."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from lbi.docs.chunking import chunk_text, chunking_key
from lbi.store import documents, instructions, runs, trajectories
from lbi.store.trajectories import ToRollOut

ENV = "tasks-env-v0"
TEXT = "# Guide\n\n" + "\n\n".join(f"Paragraph {i}: " + "words " * 60 for i in range(10))


def _chunks_and_run(store: sa.Engine) -> tuple[list[int], int]:
    with store.begin() as conn:
        conn.execute(sa.text("INSERT INTO lbi.environments (id, family, description, action_language)"
                             " VALUES (:e, 'kv', 'd', 'l')"), {"e": ENV})
        document_id = documents.add_document(conn, content_hash="h", title="Guide", format="markdown", text=TEXT)
        chunks = documents.add_chunks(conn, document_id=document_id, chunking=chunking_key(1000),
                                      chunks=chunk_text(TEXT, max_chars=1000))
        run_id = runs.create_run(conn, flow="synthesize", environment_id=ENV, params={}, max_llm_calls=None,
                                 max_tokens=None)
    return chunks, run_id


def _add(conn: sa.Connection, chunk_id: int, run_id: int, texts: list[str]) -> list[int]:
    return instructions.add_self_instruct(conn, environment_id=ENV, chunk_id=chunk_id, texts=texts, run_id=run_id)


def test_each_text_gets_one_row_in_the_order_given_and_every_chunk_that_proposed_it(store: sa.Engine) -> None:
    (first, second, *_), run_id = _chunks_and_run(store)
    with store.begin() as conn:
        ids = _add(conn, first, run_id, ["Count the albums.", "List every artist.", "count  the ALBUMS."])
        again = _add(conn, second, run_id, ["List every artist.", "Sum the invoices."])
        stored = conn.execute(sa.text("SELECT id, text FROM lbi.instructions ORDER BY id")).all()
        sources = set(conn.execute(sa.text("SELECT instruction_id, chunk_id FROM lbi.instruction_sources")).all())
    assert ids[0] == ids[2] != ids[1]  # the same task, written another way, is the same row
    assert again[0] == ids[1] and again[1] not in ids
    assert len(stored) == 3 and dict(stored)[ids[1]] == "List every artist."
    assert sources == {(ids[0], first), (ids[1], first), (ids[1], second), (again[1], second)}


def test_writers_storing_the_same_texts_at_once_both_get_their_ids(store: sa.Engine) -> None:
    (first, second, *_), run_id = _chunks_and_run(store)
    texts = [f"Task number {i}." for i in range(12)]
    holding = store.connect()
    tx = holding.begin()
    held = _add(holding, first, run_id, texts[:8])  # not committed yet: the other writer must wait for it
    result: list[int] = []
    other = threading.Thread(target=lambda: result.extend(_store_in_its_own_transaction(store, second, run_id,
                                                                                           list(reversed(texts)))))
    other.start()
    other.join(0.5)
    assert other.is_alive()  # waiting on the rows the open transaction holds
    tx.commit()
    holding.close()
    other.join(10)
    assert not other.is_alive()
    assert result[4:] == list(reversed(held))  # the other writer found the rows committed meanwhile
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lbi.instructions")).scalar_one() == 12
        assert conn.execute(sa.text("SELECT count(*) FROM lbi.instruction_sources")).scalar_one() == 8 + 12


def _store_in_its_own_transaction(store: sa.Engine, chunk_id: int, run_id: int, texts: list[str]) -> list[int]:
    with store.begin() as conn:
        conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        return _add(conn, chunk_id, run_id, texts)


def test_a_rollout_batch_reads_its_instructions_and_the_actors_stored_trajectories_at_once(store: sa.Engine) -> None:
    (first, *_), run_id = _chunks_and_run(store)
    with store.begin() as conn:
        done, other_actor, new = _add(conn, first, run_id, ["Count the albums.", "List every artist.", "Sum it."])
        stored = trajectories.save(conn, instruction_id=done, environment_id=ENV, actor_model="actor",
                                   status="completed", error=None, initial_observation="o", steps=[], run_id=run_id)
        trajectories.save(conn, instruction_id=other_actor, environment_id=ENV, actor_model="another actor",
                          status="completed", error=None, initial_observation="o", steps=[], run_id=run_id)
        found = trajectories.to_roll_out(conn, instruction_ids=[done, other_actor, new, new + 1000],
                                         actor_model="actor")
    assert found == {done: ToRollOut("Count the albums.", stored), other_actor: ToRollOut("List every artist.", None),
                     new: ToRollOut("Sum it.", None)}  # an id the store does not hold is left out
