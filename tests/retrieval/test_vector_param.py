"""Vectors go to Postgres in pgvector's binary form: every number as the embedder gave it."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from lbi.errors import StoreError
from lbi.retrieval.store import vector_param


def test_a_stored_vector_holds_the_embedder_s_numbers_exactly(store: sa.Engine) -> None:
    vector = np.random.default_rng(7).standard_normal(384).astype(np.float32) / 3  # numbers of 9 digits
    with store.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE v (e vector(384))"))
        conn.execute(sa.text("INSERT INTO v VALUES (CAST(:v AS vector))"), {"v": vector_param(conn, vector)})
        conn.execute(sa.text("INSERT INTO v VALUES (CAST(:v AS vector))"), {"v": vector_param(conn, vector * 2)})
        stored = conn.execute(sa.text("SELECT CAST(e AS text) FROM v")).scalars().all()
    back = [np.array(text.strip("[]").split(","), dtype=np.float32) for text in stored]
    assert np.array_equal(back[0], vector) and np.array_equal(back[1], vector * 2)


def test_a_store_without_pgvector_is_named(store: sa.Engine) -> None:
    with store.begin() as conn:
        conn.execute(sa.text("DROP EXTENSION vector CASCADE"))
    with store.connect() as conn, pytest.raises(StoreError, match="no vector type"):
        vector_param(conn, np.zeros(384, dtype=np.float32))
