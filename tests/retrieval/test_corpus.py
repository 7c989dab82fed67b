"""An experiment's corpus (lbi.corpus_items) is searched by the same statements as an environment's examples:
the same items stored both ways give the same hits, ranks and scores, in hybrid and observation search."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from lbi.retrieval.corpus import CorpusItem, CorpusRetriever, save_items
from lbi.retrieval.retriever import ExampleRetriever
from tests.retrieval.seeding import CHINOOK, bare_examples, index_made_up

# More items than a full-text side ranks (1,000) share the common words, so which words a query keeps
# (the rarest, while the rows they match stay within that budget) and which rows it ranks both show.
ALBUMS, CUSTOMERS = 1100, ("Rossi", "Bianchi", "Verdi")
QUERIES = ("Count the tracks of album 17 bought by customer Rossi.",
           "Which customer named Verdi bought the album 250?",
           "Count the tracks of every album.")


def _items() -> list[CorpusItem]:
    albums = [CorpusItem(f"Count the tracks of album {n}.", f"SELECT count(*) FROM Track WHERE AlbumId = {n}",
                         f"count(*)\n{n % 30}", f"album {n}") for n in range(ALBUMS)]
    customers = [CorpusItem(f"List the albums customer {name} bought, with album {n}.",
                            f"SELECT * FROM Invoice WHERE Customer = '{name}'", f"{name}\n{n}", f"{name} {n}")
                 for name in CUSTOMERS for n in range(3)]
    return albums + customers


def _stored_both_ways(store: sa.Engine, embedder_name: str, items: list[CorpusItem]) -> int:
    """The items as the environment's examples and as one experiment's corpus, with the same made-up vectors
    (unrelated to any query: the dense side then searches exactly, in both); returns the corpus's id."""
    vectors = np.random.default_rng(3).normal(size=(len(items), 384)).astype(np.float32)
    ids = bare_examples(store, len(items), environment_id=CHINOOK)
    with store.begin() as conn:
        index_made_up(conn, ids, vectors, embedder=embedder_name, instructions=[i.instruction for i in items],
                      actions=[i.actions for i in items], references=[i.reference for i in items],
                      observations=[i.observations for i in items])
        experiment = conn.execute(sa.text("INSERT INTO lbi.experiments (environment_id, task_set, task_set_hash)"
                                          " VALUES (:env, 'held-out', 'h') RETURNING id"), {"env": CHINOOK}).scalar()
        corpus_id = conn.execute(sa.text(
            "INSERT INTO lbi.experiment_corpora (experiment_id, name, kind, members_hash)"
            " VALUES (:x, 'all', 'examples', 'h') RETURNING id"), {"x": experiment}).scalar()
        save_items(conn, corpus_id=corpus_id, items=items, embedder=embedder_name, vectors=vectors)
    return corpus_id


def test_a_corpus_is_searched_as_an_environment_is(store: sa.Engine, embedder) -> None:
    corpus_id = _stored_both_ways(store, embedder.name, _items())
    environment = ExampleRetriever(store, embedder, CHINOOK)
    corpus = CorpusRetriever(store, embedder, corpus_id)
    seen = lambda hits: [(h.instruction, round(h.score, 12), h.dense_rank, h.text_rank) for h in hits]  # noqa: E731
    for text in QUERIES:
        expected = seen(environment.search(text, k=30))
        assert any(text_rank for *_, text_rank in expected), f"the control: words of {text!r} match"
        assert seen(corpus.search(text, k=30)) == expected, text
    for observation in ("Rossi\n2", "count(*)\n7"):
        expected = seen(environment.by_observation(observation, k=10))
        assert expected, f"the control: {observation!r} matches"
        assert seen(corpus.by_observation(observation, k=10)) == expected, observation
