"""Vectors are stored while the committee judges, but nothing is searchable before the judging
gate passed: a run stopped at that gate leaves vectors without documents, which no search
returns; the next run publishes them without embedding anything again. The documents are written
as judging batches end, and appear only once the gate has passed."""

from __future__ import annotations


import pytest
import sqlalchemy as sa

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi import runtime
from lbi.config import Settings
from lbi.quality.outcome import GateFailed
from lbi.retrieval.embedders import embedder_for
from lbi.retrieval.index import load_documents
from lbi.retrieval.store import save_documents
from lbi.retrieval.search import dense_ids, hybrid_search
from tasks.embed import index_accepted_examples
from tasks.publication import DocumentDraft
from tests.eventually import eventually

PARAMS = SynthesizeParams(max_docs=1, instructions_per_doc=3, max_steps=3, max_span_steps=2)
ENV = "sqlite-chinook-v0"

pytestmark = pytest.mark.usefixtures("prefect_api", "lbi_env")


def _index(store: sa.Engine) -> tuple[list[int], list[tuple[int, object]], list[int]]:
    """(accepted example ids, (example id, vector stored at) rows, ids with a document)."""
    with store.connect() as conn:
        accepted = conn.execute(sa.text("SELECT id FROM lbi.examples WHERE status = 'accepted' ORDER BY id")).scalars()
        vectors = conn.execute(sa.text("SELECT example_id, created_at FROM lbi.embeddings ORDER BY 1")).all()
        documents = conn.execute(sa.text("SELECT example_id FROM lbi.example_documents ORDER BY 1")).scalars()
        return list(accepted), [tuple(row) for row in vectors], list(documents)


def _found(store: sa.Engine, example_id: int) -> tuple[list[int], list[int]]:
    """What the dense side alone and the hybrid search return for the example's own instruction."""
    embedder = embedder_for(Settings())
    with store.begin() as conn:
        text = conn.execute(sa.text("SELECT i.text FROM lbi.examples e JOIN lbi.instructions i"
                                    " ON i.id = e.instruction_id WHERE e.id = :e"), {"e": example_id}).scalar_one()
        vector = embedder.embed([text])[0]
        dense = dense_ids(conn, environment_id=ENV, embedder=embedder.name, vector=vector, k=50)
        hybrid = hybrid_search(conn, environment_id=ENV, embedder=embedder.name, text=text, vector=vector, k=50)
    return dense, [hit.example_id for hit in hybrid]


def test_vectors_stored_while_judging_are_searchable_only_after_the_judging_gate(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LBI_GATE_KEEP_RATE_MAX", "0.01")
    monkeypatch.setenv("LBI_GATE_SEVERITY", '{"keep_rate_in_bounds": "stop"}')
    with pytest.raises(GateFailed, match="after stage judge"):
        synthesize(PARAMS)
    accepted, vectors, documents = _index(store)
    assert accepted and [example_id for example_id, _ in vectors] == accepted, "vectors stored while judging"
    assert documents == [], "an example was published before the judging gate passed"
    assert _found(store, accepted[0]) == ([], [])

    monkeypatch.delenv("LBI_GATE_SEVERITY")
    assert synthesize(PARAMS)["status"] == "completed"
    accepted_after, vectors_after, documents_after = _index(store)
    assert accepted_after == accepted and documents_after == accepted
    assert vectors_after == vectors, "a vector stored while judging was embedded again"
    dense, hybrid = _found(store, accepted[0])
    assert accepted[0] in dense and accepted[0] in hybrid


def test_a_judging_batch_stores_its_vectors_as_its_trajectories_are_decided(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One task run judges every trajectory; its vectors are stored in several transactions (each
    stamps its rows with its own start), not all at its end."""
    monkeypatch.setenv("LBI_UNITS_PER_TASK", "1000")
    result = synthesize(SynthesizeParams(max_docs=2, instructions_per_doc=8, max_steps=3, max_span_steps=2))
    assert result["status"] == "completed"
    accepted, vectors, documents = _index(store)
    with store.connect() as conn:
        decided = conn.execute(sa.text("SELECT count(*) FROM lbi.examples WHERE status <> 'pending'")).scalar_one()
    assert decided >= 64, "too few examples for two groups of 32"
    assert [example_id for example_id, _ in vectors] == accepted == documents
    assert len({stored_at for _, stored_at in vectors}) >= 2


def test_documents_written_beside_the_judging_gate_appear_only_when_it_passes(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id, accepted = _stopped_at_the_judging_gate(store, monkeypatch)
    with store.connect() as conn:
        documents = load_documents(conn, accepted)

    def published() -> int:
        with store.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM lbi.example_documents")).scalar_one()

    def gate_seeing_nothing(outcome: str) -> str:
        # the writer's rows are written and its transaction is open, waiting for the verdict
        written = eventually(lambda: _writer_waits_for_the_verdict(store), 30)
        assert written, "the documents were not written beside the gate"
        assert published() == 0, "a document became visible before the gate's verdict"
        if outcome == "fails":
            raise GateFailed("after stage judge: made to fail")
        return outcome

    with pytest.raises(GateFailed, match="made to fail"):
        _publish_beside(run_id, documents, lambda: gate_seeing_nothing("fails"))
    assert published() == 0
    assert _publish_beside(run_id, documents, lambda: gate_seeing_nothing("passes")) == ("passes", True)
    assert published() == len(accepted)
    runtime.release(run_id)


def test_the_last_vectors_are_stored_while_the_judging_gate_runs(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A judging batch leaves the vectors of its last decided examples (fewer than a group) to be stored
    beside the gate, so that the gate does not wait for their embedding and index inserts."""
    run_id, accepted = _stopped_at_the_judging_gate(store, monkeypatch)
    with store.begin() as conn:
        conn.execute(sa.text("DELETE FROM lbi.embeddings"))
        decided = list(conn.execute(sa.text("SELECT id FROM lbi.examples WHERE status <> 'pending'")).scalars())
    assert 0 < len(decided) < 32

    def gate_seeing_vectors() -> str:
        assert eventually(lambda: _index(store)[1] != [], 30), "the vectors were not stored beside the gate"
        assert [example_id for example_id, _ in _index(store)[1]] == accepted
        assert _index(store)[2] == [], "a document became visible before the gate's verdict"
        return "passes"

    assert _publish_beside(run_id, [], gate_seeing_vectors, decided) == ("passes", True)
    assert _index(store)[2] == accepted
    runtime.release(run_id)


def test_documents_and_the_last_vectors_are_written_together_beside_the_judging_gate(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The documents of the vectors stored while judging are written while the last vectors are embedded;
    all of them, and the last ones' documents, appear together once the gate has passed."""
    run_id, accepted = _stopped_at_the_judging_gate(store, monkeypatch)
    assert len(accepted) >= 2
    early, late = accepted[:len(accepted) // 2], accepted[len(accepted) // 2:]
    with store.begin() as conn:
        conn.execute(sa.text("DELETE FROM lbi.embeddings WHERE example_id = ANY(:late)"), {"late": late})
        documents = load_documents(conn, early)

    def gate_seeing_all_vectors() -> str:
        assert eventually(lambda: [i for i, _ in _index(store)[1]] == accepted, 30), "the last vectors were not stored"
        assert eventually(lambda: _writer_waits_for_the_verdict(store), 30), "the documents were not written"
        assert _index(store)[2] == [], "a document became visible before the gate's verdict"
        return "passes"

    assert _publish_beside(run_id, documents, gate_seeing_all_vectors, late) == ("passes", True)
    assert _index(store)[2] == accepted
    runtime.release(run_id)


def test_documents_are_written_as_judging_batches_end_without_holding_up_other_indexers(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A judging batch's documents are written when it ends, in the draft's open transaction: invisible,
    and without the environment's document lock, so another indexer publishes meanwhile. Their words are
    counted once, beside the gate."""
    run_id, accepted = _stopped_at_the_judging_gate(store, monkeypatch)
    assert len(accepted) >= 2
    drafted, other = accepted[:len(accepted) // 2], accepted[len(accepted) // 2:]
    with store.connect() as conn:
        drafted_documents, other_documents = load_documents(conn, drafted), load_documents(conn, other)
    with DocumentDraft(run_id) as draft:
        draft.add(drafted_documents)
        assert eventually(lambda: _open_writes_to_documents(store), 30), "a batch's documents were not written"
        assert _index(store)[2] == [], "a drafted document became visible before the gate"
        with store.begin() as conn:  # it would wait for the draft if the draft held the environment's lock
            conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            save_documents(conn, other_documents)
        assert _index(store)[2] == other
        assert draft.publish_beside(lambda: "passes") == ("passes", True)
    assert _index(store)[2] == accepted
    with store.connect() as conn:
        counted = conn.execute(sa.text("SELECT field, lexeme, documents FROM lbi.lexeme_stats ORDER BY 1, 2")).all()
        recounted = conn.execute(sa.text(
            "SELECT f.field, w.lexeme, count(*) FROM lbi.example_documents d"
            " CROSS JOIN LATERAL (VALUES ('search', d.search_tsv), ('observation', d.observation_tsv)) AS f(field, tsv)"
            " CROSS JOIN LATERAL unnest(f.tsv) AS w GROUP BY 1, 2 ORDER BY 1, 2")).all()
    assert counted and [tuple(r) for r in counted] == [tuple(r) for r in recounted], "words counted other than once"
    runtime.release(run_id)


def test_documents_of_a_draft_that_failed_are_written_by_the_indexing_stage(
    store: sa.Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The draft's session is ended while it waits for the gate: nothing is published beside the gate, and
    the indexing stage, given the documents, writes every one of them."""
    run_id, accepted = _stopped_at_the_judging_gate(store, monkeypatch)
    with store.connect() as conn:
        documents = load_documents(conn, accepted)
    with DocumentDraft(run_id) as draft:
        draft.add(documents)
        assert eventually(lambda: _open_writes_to_documents(store), 30), "the documents were not drafted"
        with store.connect() as conn:
            ended = conn.execute(sa.text(
                "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
                " WHERE l.relation = 'lbi.example_documents'::regclass AND a.pid <> pg_backend_pid()")).scalars().all()
        assert ended and all(ended)
        assert draft.publish_beside(lambda: "passes") == ("passes", False)
    assert _index(store)[2] == []
    outcome = index_accepted_examples.fn(run_id, accepted, documents)
    assert outcome.ids == accepted and _index(store)[2] == accepted
    runtime.release(run_id)


def _open_writes_to_documents(store: sa.Engine) -> bool:
    """Whether another session holds a transaction open, idle, that wrote to lbi.example_documents."""
    with store.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
            " WHERE l.relation = 'lbi.example_documents'::regclass AND l.mode = 'RowExclusiveLock'"
            " AND a.state = 'idle in transaction' AND a.pid <> pg_backend_pid()")).scalar_one())


def _publish_beside(run_id: int, documents: list, gate, unembedded: list[int] = ()) -> tuple[object, bool]:
    with DocumentDraft(run_id) as draft:
        draft.add(documents)
        return draft.publish_beside(gate, unembedded)


def _stopped_at_the_judging_gate(store: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[int]]:
    """A run stopped by its judging gate: its id and its accepted examples."""
    monkeypatch.setenv("LBI_GATE_KEEP_RATE_MAX", "0.01")
    monkeypatch.setenv("LBI_GATE_SEVERITY", '{"keep_rate_in_bounds": "stop"}')
    with pytest.raises(GateFailed):
        synthesize(PARAMS)
    with store.connect() as conn:
        run_id = conn.execute(sa.text("SELECT max(id) FROM lbi.runs")).scalar_one()
    return run_id, _index(store)[0]


def _writer_waits_for_the_verdict(store: sa.Engine) -> bool:
    """Whether another session holds a transaction open, idle, after taking the documents' lock."""
    with store.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory'"
            " WHERE a.state = 'idle in transaction' AND a.pid <> pg_backend_pid()")).scalar_one())
