"""Small plausible edits of a function's lines: the slips a bug often is (a comparison off by one, a negation,
a flipped boolean, an and/or), each tried in turn by the offline actor."""

from __future__ import annotations

SWAPS = ((" <= ", " < "), (" < ", " <= "), (" >= ", " > "), (" > ", " >= "), (" == ", " != "), (" != ", " == "),
         (" - 1", " + 1"), (" + 1", " - 1"), (" and ", " or "), (" or ", " and "), (" not ", " "), ("True", "False"),
         ("False", "True"))
SKIPPED = ("#", "def ", "class ", "@", '"', "'", "import ", "from ")


def candidate_edits(lines: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """(line, edited line) pairs in the order the lines come, one swap per pair."""
    edits = []
    for _, text in lines[1:]:
        if not text.strip() or text.strip().startswith(SKIPPED):
            continue
        for old, new in SWAPS:
            if text.count(old) == 1:
                edits.append((text, text.replace(old, new)))
    return edits
