"""Hybrid and observation search on the real store with the real embedding model."""

from __future__ import annotations

import json

import sqlalchemy as sa

from lbi.envs import registry
from lbi.retrieval.embedders import BundledEmbedder
from lbi.retrieval.index import index_examples
from lbi.retrieval.retriever import ExampleRetriever
from lbi.retrieval.search import dense_ids
from lbi.retrieval.store import vector_param
from tests.retrieval.seeding import CHINOOK, OTHER, Seed, bare_examples, seed_examples, seed_run

ALBUMS_BY = ("SELECT Album.Title FROM Album JOIN Artist ON Album.ArtistId = Artist.ArtistId "
             "WHERE Artist.Name = '{}'")
TARGET = Seed("List the titles of the albums recorded by AC/DC.", (ALBUMS_BY.format("AC/DC"),))
NEAR_MISSES = [
    Seed("List the titles of the albums recorded by Aerosmith.", (ALBUMS_BY.format("Aerosmith"),)),
    Seed("List the titles of the albums recorded by Audioslave.", (ALBUMS_BY.format("Audioslave"),)),
    Seed("Count the albums recorded by AC/DC.", ("SELECT count(*) FROM Album WHERE ArtistId = 1",)),
    Seed("List the tracks of the album Let There Be Rock.",
         ("SELECT Track.Name FROM Track JOIN Album ON Album.AlbumId = Track.AlbumId "
          "WHERE Album.Title = 'Let There Be Rock'",)),
    Seed("Count the customers who live in Brazil.", ("SELECT count(*) FROM Customer WHERE Country = 'Brazil'",)),
]


def _indexed(store: sa.Engine, embedder: BundledEmbedder, seeds: list[Seed]) -> list[int]:
    ids = seed_examples(store, seed_run(store), seeds)
    assert index_examples(store, embedder, example_ids=ids) == sum(s.status == "accepted" for s in seeds)
    return ids


def test_hybrid_search_puts_the_right_example_first_among_near_misses(store: sa.Engine, embedder) -> None:
    target, *others = _indexed(store, embedder, [TARGET, *NEAR_MISSES])
    hits = ExampleRetriever(store, embedder, CHINOOK).search("Which albums did AC/DC record? Give their titles.", k=3)
    assert hits[0].example_id == target
    assert hits[0].dense_rank is not None and hits[0].text_rank is not None, "both sides found it"
    assert "Action 1:" in hits[0].reference and "AC/DC" in hits[0].reference
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_observation_search_finds_the_example_that_saw_this_result(store: sa.Engine, embedder) -> None:
    target, *others = _indexed(store, embedder, [TARGET, *NEAR_MISSES])
    with registry.make(CHINOOK) as env:
        env.reset()
        observation = env.step(ALBUMS_BY.format("AC/DC")).observation.text
    hits = ExampleRetriever(store, embedder, CHINOOK).by_observation(observation, k=2)
    assert hits[0].example_id == target
    assert target not in [h.example_id for h in
                          ExampleRetriever(store, embedder, CHINOOK).by_observation(observation, exclude=[target])]


def test_only_accepted_examples_are_indexed_and_indexing_twice_adds_nothing(store: sa.Engine, embedder) -> None:
    accepted, rejected, pending = _indexed(store, embedder, [
        TARGET, Seed("List the titles of the albums recorded by AC/DC, twice.", TARGET.actions, status="rejected"),
        Seed("List the titles of the albums recorded by AC/DC again.", TARGET.actions, status="pending")])
    assert index_examples(store, embedder, environment_id=CHINOOK) == 0
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT array_agg(example_id) FROM lbi.embeddings")).scalar() == [accepted]
        assert conn.execute(sa.text("SELECT count(*) FROM lbi.example_documents")).scalar() == 1
    found = ExampleRetriever(store, embedder, CHINOOK).search("albums recorded by AC/DC", k=10)
    assert [h.example_id for h in found] == [accepted]


def test_search_never_leaves_its_environment(store: sa.Engine, embedder) -> None:
    here = _indexed(store, embedder, [TARGET, *NEAR_MISSES[:2]])
    there = _indexed(store, embedder, [Seed(s.instruction, s.actions, environment_id=OTHER)
                                       for s in [TARGET, *NEAR_MISSES]])
    for text in ("albums recorded by AC/DC", "customers in Brazil"):
        assert {h.example_id for h in ExampleRetriever(store, embedder, CHINOOK).search(text, k=10)} == set(here)
        assert {h.example_id for h in ExampleRetriever(store, embedder, OTHER).search(text, k=10)} == set(there)
    observation = "Title\nLet There Be Rock\n(1 row)"
    assert {h.example_id for h in ExampleRetriever(store, embedder, CHINOOK).by_observation(observation, k=10)} \
        <= set(here)


def test_a_crowded_environment_does_not_starve_a_small_one(store: sa.Engine, embedder) -> None:
    """A thousand closer vectors in another environment: the filtered HNSW scan keeps going until it has
    this environment's rows (without iterative scans it would stop at its candidate list)."""
    small = _indexed(store, embedder, [TARGET, *NEAR_MISSES])
    vector = embedder.embed(["albums recorded by AC/DC"])[0]
    with store.begin() as conn:
        conn.execute(sa.text("""
            INSERT INTO lbi.example_documents (example_id, environment_id, instruction, actions, reference,
                                               observation_tsv)
            SELECT e.id, :other, 'noise', '', '', ''::tsvector FROM lbi.examples e WHERE e.id = ANY(:ids)"""),
            {"other": OTHER, "ids": bare_examples(store, 1000, environment_id=OTHER)})
        conn.execute(sa.text("""
            INSERT INTO lbi.embeddings (example_id, embedder, environment_id, embedding)
            SELECT d.example_id, :embedder, :other, CAST(:vector AS vector) + (SELECT array_agg((random() - 0.5) / 50)
                   FROM generate_series(1, 384) WHERE d.example_id > 0)::vector(384)
            FROM lbi.example_documents d WHERE d.environment_id = :other"""),
            {"embedder": embedder.name, "other": OTHER, "vector": vector_param(conn, vector)})
        conn.execute(sa.text("DROP INDEX lbi.embeddings_environment"))  # leave the planner the HNSW index only
        conn.execute(sa.text("ANALYZE lbi.embeddings"))
    with store.begin() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        found = dense_ids(conn, environment_id=CHINOOK, embedder=embedder.name, vector=vector, k=10, ef_search=10)
        conn.execute(sa.text("SET LOCAL hnsw.iterative_scan = off"))
        starved = conn.execute(sa.text(
            "SELECT example_id FROM lbi.embeddings WHERE environment_id = :env ORDER BY embedding <=> "
            "CAST(:vector AS vector) LIMIT 10"), {"env": CHINOOK, "vector": vector_param(conn, vector)}).all()
    assert sorted(found) == sorted(small)
    assert len(starved) < len(small), "the control: one candidate list, filtered, comes back short"


def test_lbi_search_indexes_on_demand_and_prints_hits(store: sa.Engine, lbi_env: dict, embedder) -> None:
    from typer.testing import CliRunner

    from lbi.cli import app

    target, *others = seed_examples(store, seed_run(store), [TARGET, *NEAR_MISSES])
    result = CliRunner().invoke(app, ["search", "--env", CHINOOK, "--k", "3", "--json", "albums that AC/DC recorded"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert len(hits) == 3 and hits[0]["example_id"] == target and "Action 1:" in hits[0]["reference"]
    table = CliRunner().invoke(app, ["search", "--env", OTHER, "albums"])
    assert table.exit_code == 0 and "no examples found" in table.output
