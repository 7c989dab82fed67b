"""What a request says about itself besides its prompt: OpenAI's ``metadata`` field (string pairs).

The offline model routes on it (its role and the environment's family); a
real provider stores or ignores it. It never enters a prompt, so nothing in an
exported sample exists only for the offline model.
"""

from __future__ import annotations

from typing import Any, Mapping

ROLE = "lbi_role"
FAMILY = "lbi_family"


def request_metadata(*, role: str, family: str | None) -> dict[str, str]:
    metadata = {ROLE: str(role)}
    if family:
        metadata[FAMILY] = family
    return metadata


def role_of(metadata: Mapping[str, Any]) -> str:
    return str(metadata.get(ROLE) or "")


def family_of(metadata: Mapping[str, Any]) -> str:
    return str(metadata.get(FAMILY) or "")
