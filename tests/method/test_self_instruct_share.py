"""N tasks per document, spread over its chunks."""

from __future__ import annotations

import pytest

from lbi.method.self_instruct import tasks_for_chunk


@pytest.mark.parametrize(("n", "chunks"), [(3, 1), (3, 2), (3, 3), (3, 10), (1, 7), (20, 3), (5, 5)])
def test_the_shares_add_up_to_n_and_differ_by_at_most_one(n: int, chunks: int) -> None:
    shares = [tasks_for_chunk(n, i, chunks) for i in range(chunks)]
    assert sum(shares) == n
    assert max(shares) - min(shares) <= 1


def test_with_more_chunks_than_tasks_the_chosen_chunks_are_spread_out() -> None:
    assert [tasks_for_chunk(3, i, 9) for i in range(9)] == [0, 0, 1, 0, 0, 1, 0, 0, 1]


def test_a_chunk_outside_the_document_is_refused() -> None:
    with pytest.raises(ValueError):
        tasks_for_chunk(3, 4, 4)
