"""Train/validation split by source document: every example of a document lands on the same side, so no
document feeds both. Which documents go to validation depends only on their content hashes."""

from __future__ import annotations

import hashlib
import math
from typing import Any, Iterable

TRAIN, VALIDATION = "train", "validation"
NO_DOCUMENT = ""  # examples whose task names no source chunk form one group of their own


def document_key(record: dict[str, Any]) -> str:
    return record["source_document_hash"] or NO_DOCUMENT


def validation_documents(keys: Iterable[str], share: float) -> frozenset[str]:
    """About ``share`` of the documents (at least one when share > 0 and there are two, never all), chosen by
    the order of their hashed keys."""
    distinct = sorted(set(keys), key=lambda key: hashlib.sha256(key.encode()).hexdigest())
    if share <= 0 or len(distinct) < 2:
        return frozenset()
    count = min(len(distinct) - 1, max(1, math.floor(len(distinct) * share + 0.5)))
    return frozenset(distinct[:count])


def split_records(records: list[dict[str, Any]], share: float) -> dict[str, list[dict[str, Any]]]:
    held = validation_documents((document_key(r) for r in records), share)
    return {TRAIN: [r for r in records if document_key(r) not in held],
            VALIDATION: [r for r in records if document_key(r) in held]}
