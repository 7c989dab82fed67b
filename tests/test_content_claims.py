"""The first unit to claim a content labels it; a later claim by another gets none of it, its own again all."""

from __future__ import annotations

from lbi.content_claims import ContentClaims


def test_the_first_claim_wins_and_its_owner_keeps_it() -> None:
    claims = ContentClaims()
    assert claims.claim(["a", "b"], owner=1) == {"a", "b"}
    assert claims.claim(["b", "c"], owner=2) == {"c"}
    assert claims.claim(["a", "b", "c"], owner=1) == {"a", "b"}

