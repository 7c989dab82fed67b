"""The offline proposer's word matching: a name counts only as whole words, in any case, and the quick
case-folded check before the regex never hides a mention the regex alone would find."""

from __future__ import annotations

import re

import pytest

from lbi.envs.sqlite.offline.names import count_mentions, mentions

TEXT = ("The Invoice table holds one row per sale; INVOICE lines are in invoice_line, and every invoice's"
        " total is the sum of its lines. Invoices (plural) are listed by date. Straße and STRASSE differ.")


@pytest.mark.parametrize(("phrase", "count"), [
    ("invoice", 3),  # "Invoice", "INVOICE", "invoice's"; not "invoice_line" (underscore is a word character)
    ("invoices", 1), ("invoice line", 0), ("invoice_line", 1), ("lines", 2), ("sale", 1), ("sales", 0),
    ("straße", 1), ("strasse", 1), ("album", 0), ("row per", 1),
])
def test_a_phrase_counts_only_as_whole_words_in_any_case(phrase: str, count: int) -> None:
    assert count_mentions(TEXT, phrase) == count
    assert mentions(TEXT, phrase) is (count > 0)
    assert count == len(re.findall(rf"(?<![\w]){re.escape(phrase)}(?![\w])", TEXT, re.IGNORECASE))
