"""Embeddings of accepted examples (written by indexing, checked by `lbi check`)."""

from __future__ import annotations

from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import Check, Suite, between, in_set


def rows(scope: Scope) -> str:
    """The embeddings of a run's examples (not the whole store's, at every run's index gate), or of an
    environment's, or all."""
    where = scope.trajectories("e.trajectory_id") if scope.run_id is not None else scope.environments("m.environment_id")
    return f"""
        SELECT m.example_id, m.embedder, m.environment_id, t.environment_id AS example_environment_id,
               e.status AS example_status, vector_norm(m.embedding) AS norm
        FROM lbi.embeddings m
        JOIN lbi.examples e ON e.id = m.example_id
        JOIN lbi.trajectories t ON t.id = e.trajectory_id
        WHERE {where}
    """


def checks(config: GateConfig) -> list[Check]:
    return [
        in_set("embedded_example_accepted", "only accepted examples are embedded for retrieval",
               "example_status", ["accepted"]),
        between("embedding_not_zero", "an embedding has a length (cosine distance needs one)", "norm",
                min_value=1e-6),
        Check("embedding_environment_matches", "an embedding is filed under its example's environment",
              "ExpectColumnPairValuesToBeEqual",
              {"column_A": "environment_id", "column_B": "example_environment_id"}),
    ]


SUITE = Suite(name="embeddings", key="example_id", rows=rows, checks=checks)
