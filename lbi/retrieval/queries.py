"""The search statements, built once per searched table: an environment's examples (lbi.example_documents
and lbi.embeddings) or an experiment's corpus (lbi.corpus_items), each search limited to one scope (the
environment, the corpus).

- ``hybrid``: dense (cosine) and full-text candidates fused by reciprocal rank; ``dense``: its dense side
  alone, as it ranks it.
- ``observation``: full text over the observations each item's span saw.

Full-text queries keep a text's rarest words in the scope (see ``_rare_words``), so a whole observation as
the query stays cheap, and rank at most ``:text_rows`` matching rows.

The dense side is the graph's (HNSW) nearest vectors, unless the graph has certainly missed something: its
best is less similar than ``:retry_below``, or a text candidate is nearer to the query than it (synthesized
data holds tight groups of near-duplicates, and the candidate list can fill up in a neighbouring group and
stop there). That condition is evaluated once, and then the retry:

1. searches the graph again from the text candidate nearest to the query (the ``witness``: it lies in what
   the first search missed), and keeps the nearest of both answers, unless the same condition holds for
   them too;
2. if it still holds, ranks the scope's binary-quantized vectors (``embedding_bits``, read from the scope's
   index alone) by Hamming distance and re-ranks the nearest ``:shortlist`` by cosine: the exact nearest
   whenever they are among those (at 100,000 examples, for all 200 benchmark queries at 1,000), at a
   fraction of the cost of the cosine distance of every vector. An unpublished vector takes a place in
   the shortlist.

"+ 0" keeps an ordering off the HNSW index where the graph's answer is not wanted (the witness, the
re-ranking).

A table without a graph is scanned exactly either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa


@dataclass(frozen=True)
class Searched:
    """A searched table: ``documents`` (instruction, reference, search_tsv, observation_tsv), ``vectors``
    (embedder, embedding; may be the documents' table), both keyed by ``key`` and limited to one search's
    scope by their column ``scope``; ``lexemes`` counts the documents holding each word, per scope
    (columns ``scope``, field, lexeme, documents)."""

    documents: str
    vectors: str
    key: str
    scope: str
    lexemes: str


EXAMPLES = Searched("lbi.example_documents", "lbi.embeddings", "example_id", "environment_id", "lbi.lexeme_stats")
CORPUS = Searched("lbi.corpus_items", "lbi.corpus_items", "id", "corpus_id", "lbi.corpus_lexemes")


def _rare_words(t: Searched, field: str) -> str:
    """``q``: a tsquery over the text's rarest lexemes in the scope: any of them (the rarest always, then the
    next rarest while the rows they match stay within :text_rows); when even the rarest matches more rows
    than that, any two of the three rarest, which keeps the rows BM25 would rank first and drops the rest."""
    return rf"""q AS MATERIALIZED (
    WITH words AS (
        SELECT DISTINCT w.lexeme FROM unnest(to_tsvector('english', left(coalesce(:text, ''), 20000))) AS w
    ), ranked AS (
        SELECT '''' || replace(replace(words.lexeme, '\', '\\'), '''', '''''') || '''' AS term, s.documents,
               sum(s.documents) OVER (ORDER BY s.documents, words.lexeme) AS matched,
               row_number() OVER (ORDER BY s.documents, words.lexeme) AS place
        FROM words JOIN {t.lexemes} s ON s.{t.scope} = :scope AND s.field = '{field}' AND s.lexeme = words.lexeme
    ), common AS (
        SELECT count(*) >= 2 AND min(documents) > :text_rows AS yes FROM ranked
    )
    SELECT coalesce(CASE WHEN (SELECT yes FROM common) THEN
               (SELECT string_agg('(' || a.term || ' & ' || b.term || ')', ' | ')
                FROM ranked a JOIN ranked b ON a.place < b.place AND b.place <= 3)
           ELSE
               (SELECT string_agg(term, ' | ' ORDER BY place) FROM ranked
                WHERE (matched <= :text_rows OR place = 1) AND place <= :rarest)
           END, '')::tsquery AS query
)"""


def _sides(t: Searched) -> str:
    """Each side's candidates, as ``text`` and ``dense`` (example_id, rank). The text side comes first: its
    vectors are witnesses for the dense side."""
    published = "" if t.vectors == t.documents else \
        f"\n      AND EXISTS (SELECT 1 FROM {t.documents} d WHERE d.{t.key} = m.{t.key})"
    scoped = f"m.{t.scope} = :scope AND m.embedder = :embedder AND m.{t.key} <> ALL(:exclude)"
    searched = scoped + published
    return f"""{_rare_words(t, 'search')},
text AS MATERIALIZED (
    SELECT example_id, row_number() OVER (ORDER BY score DESC, example_id) AS rank
    FROM (SELECT m.example_id, ts_rank(m.search_tsv, q.query, 1) AS score
          FROM (SELECT d.{t.key} AS example_id, d.search_tsv FROM {t.documents} d, q
                WHERE d.{t.scope} = :scope AND d.search_tsv @@ q.query AND d.{t.key} <> ALL(:exclude)
                LIMIT :text_rows) AS m, q
          ORDER BY score DESC, m.example_id LIMIT :candidates) AS matched
),
approximate AS MATERIALIZED (
    SELECT m.{t.key} AS example_id, m.embedding <=> CAST(:vector AS vector) AS distance FROM {t.vectors} m
    WHERE {searched}
    ORDER BY distance LIMIT :candidates
),
graph_missed AS MATERIALIZED (
    SELECT {_missed(t, 'approximate')} AS yes FROM approximate
),
witness AS MATERIALIZED (
    SELECT w.embedding FROM text JOIN {t.vectors} w ON w.{t.key} = text.example_id
    WHERE w.embedder = :embedder AND (SELECT yes FROM graph_missed)
    ORDER BY (w.embedding <=> CAST(:vector AS vector)) + 0 LIMIT 1
),
reentry AS MATERIALIZED (
    SELECT m.{t.key} AS example_id, m.embedding <=> CAST(:vector AS vector) AS distance FROM {t.vectors} m
    WHERE {searched} AND EXISTS (SELECT 1 FROM witness)
    ORDER BY m.embedding <=> (SELECT embedding FROM witness) LIMIT :candidates
),
graph AS MATERIALIZED (
    SELECT example_id, min(distance) AS distance
    FROM (SELECT * FROM approximate UNION ALL SELECT * FROM reentry) AS found
    GROUP BY example_id ORDER BY distance, example_id LIMIT :candidates
),
still_missed AS MATERIALIZED (
    SELECT (SELECT yes FROM graph_missed) AND {_missed(t, 'graph')} AS yes FROM graph
),
shortlist AS MATERIALIZED (
    SELECT m.{t.key} AS example_id FROM {t.vectors} m
    WHERE {scoped} AND (SELECT yes FROM still_missed)
    ORDER BY m.embedding_bits <~> binary_quantize(CAST(:vector AS vector)), m.{t.key} LIMIT :shortlist
),
exact AS MATERIALIZED (
    SELECT m.{t.key} AS example_id, m.embedding <=> CAST(:vector AS vector) AS distance
    FROM shortlist JOIN {t.vectors} m ON m.{t.key} = shortlist.example_id AND m.embedder = :embedder{published}
    ORDER BY (m.embedding <=> CAST(:vector AS vector)) + 0 LIMIT :candidates
),
dense AS MATERIALIZED (
    SELECT example_id, row_number() OVER (ORDER BY distance, example_id) AS rank
    FROM (SELECT example_id, distance FROM exact
          UNION ALL
          SELECT example_id, distance FROM graph WHERE NOT (SELECT yes FROM still_missed)) AS nearest
)"""


def _missed(t: Searched, nearest: str) -> str:
    """The graph has certainly missed, given its ``nearest`` (a CTE of distances): the best is less similar
    than :retry_below, or a text candidate is nearer to the query than it."""
    return f""":retry AND (coalesce(min(distance), 2) > 1 - :retry_below
           OR EXISTS (SELECT 1 FROM text JOIN {t.vectors} w ON w.{t.key} = text.example_id
                      WHERE w.embedder = :embedder
                        AND w.embedding <=> CAST(:vector AS vector) < min({nearest}.distance)))"""


@cache
def hybrid(t: Searched) -> sa.TextClause:
    """Top :k by reciprocal-rank fusion: example_id, score, instruction, reference, dense_rank, text_rank."""
    return sa.text(f"""
WITH {_sides(t)},
fused AS MATERIALIZED (
    SELECT example_id, dense.rank AS dense_rank, text.rank AS text_rank,
           coalesce(1.0 / (:rrf_k + dense.rank), 0) + coalesce(1.0 / (:rrf_k + text.rank), 0) AS score
    FROM dense FULL OUTER JOIN text USING (example_id)
    ORDER BY score DESC, example_id LIMIT :k
)
SELECT f.example_id, f.score, d.instruction, d.reference, f.dense_rank, f.text_rank
FROM fused f JOIN {t.documents} d ON d.{t.key} = f.example_id
ORDER BY f.score DESC, f.example_id
""")


@cache
def dense(t: Searched) -> sa.TextClause:
    """The dense side's first :k example ids, in its order."""
    return sa.text(f"WITH {_sides(t)}\nSELECT example_id FROM dense ORDER BY rank LIMIT :k")


@cache
def observation(t: Searched) -> sa.TextClause:
    """Top :k by full text over observations: example_id, score, instruction, reference."""
    return sa.text(f"""
WITH {_rare_words(t, 'observation')},
matched AS MATERIALIZED (
    SELECT d.{t.key} AS example_id, d.observation_tsv FROM {t.documents} d, q
    WHERE d.{t.scope} = :scope AND d.observation_tsv @@ q.query AND d.{t.key} <> ALL(:exclude)
    LIMIT :text_rows
)
SELECT m.example_id, ts_rank(m.observation_tsv, q.query, 1) AS score, d.instruction, d.reference
FROM matched m JOIN {t.documents} d ON d.{t.key} = m.example_id, q
ORDER BY score DESC, m.example_id
LIMIT :k
""")
