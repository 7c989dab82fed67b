"""Which unit of a run labels a span's content when several trajectories hold it at once: the first
to claim it. The others leave it, as they leave a content an example already has (one example per
content, lbi.examples.content_key); without the claim each would ask for the same label, wait for the
first's answer, and see its example refused by the key."""

from __future__ import annotations

from typing import Iterable


class ContentClaims:
    def __init__(self) -> None:
        self._owners: dict[str, int] = {}

    def claim(self, keys: Iterable[str], owner: int) -> set[str]:
        """The ``keys`` that ``owner`` labels: those no other owner claimed first (its own again included).
        Units claim from many threads: each key's ``setdefault`` is atomic."""
        return {key for key in keys if self._owners.setdefault(key, owner) == owner}
