"""Environments users registered (``lbi env add``): rows of lbi.environments whose config holds a registration."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from lbi.envs.base import EnvSpec

KEY = "registration"


def register(conn: sa.Connection, *, spec: EnvSpec, registration: dict[str, Any]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO lbi.environments (id, family, description, action_language, config)"
            " VALUES (:id, :family, :description, :language, CAST(:config AS jsonb))"
            " ON CONFLICT (id) DO UPDATE SET family = EXCLUDED.family, description = EXCLUDED.description,"
            " action_language = EXCLUDED.action_language,"
            " config = lbi.environments.config || EXCLUDED.config"
        ),
        {"id": spec.id, "family": spec.family, "description": spec.description, "language": spec.action_language,
         "config": json.dumps({KEY: registration})},
    )


def unregister(conn: sa.Connection, *, env_id: str) -> bool:
    """Forget the registration; the row stays when data refers to it. False when it was not registered."""
    found = conn.execute(
        sa.text(f"UPDATE lbi.environments SET config = config - '{KEY}' WHERE id = :id AND config ? '{KEY}'"
                " RETURNING id"),
        {"id": env_id},
    ).first()
    if found is None:
        return False
    conn.execute(sa.text("SAVEPOINT drop_environment"))
    try:
        conn.execute(sa.text("DELETE FROM lbi.environments WHERE id = :id"), {"id": env_id})
        conn.execute(sa.text("RELEASE SAVEPOINT drop_environment"))
    except sa.exc.IntegrityError:
        conn.execute(sa.text("ROLLBACK TO SAVEPOINT drop_environment"))
    return True


def registration(conn: sa.Connection, *, env_id: str) -> dict[str, Any] | None:
    return conn.execute(
        sa.text(f"SELECT config -> '{KEY}' FROM lbi.environments WHERE id = :id AND config ? '{KEY}'"),
        {"id": env_id},
    ).scalar()


def registered_ids(conn: sa.Connection) -> list[str]:
    return list(conn.execute(
        sa.text(f"SELECT id FROM lbi.environments WHERE config ? '{KEY}' ORDER BY id")
    ).scalars())
