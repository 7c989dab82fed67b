"""Puts examples in a store the way synthesis does: real episodes in the environment, stored by the store's
own functions, decided by status (no model involved)."""

from __future__ import annotations

from dataclasses import dataclass

from typing import Sequence

import numpy as np
import sqlalchemy as sa

from lbi.envs import registry
from lbi.envs.base import EnvSpec
from lbi.retrieval.store import count_words, vector_param
from lbi.store import documents, examples, instructions, runs, trajectories
from lbi.store.trajectories import StoredStep

CHINOOK = "sqlite-chinook-v0"
OTHER = "sqlite-other-v0"  # a second environment id, stored only (its episodes run on Chinook)


@dataclass(frozen=True)
class Seed:
    instruction: str
    actions: tuple[str, ...]
    status: str = "accepted"
    environment_id: str = CHINOOK


def seed_environments(conn: sa.Connection) -> None:
    for env_id in (CHINOOK, OTHER):
        base = registry.spec(CHINOOK)
        documents.upsert_environment(conn, spec=EnvSpec(env_id, base.family, base.description, base.action_language))


def seed_run(engine: sa.Engine, *, model_base_url: str = "http://unused/v1", environment_id: str = CHINOOK) -> int:
    with engine.begin() as conn:
        seed_environments(conn)
        return runs.create_run(conn, flow="synthesize", environment_id=environment_id,
                               params={"env": environment_id, "model_base_url": model_base_url},
                               max_llm_calls=None, max_tokens=None)


def seed_examples(engine: sa.Engine, run_id: int, seeds: list[Seed]) -> list[int]:
    """One trajectory per seed (its actions run in a real episode); one example spanning all of it."""
    ids = []
    for number, seed in enumerate(seeds):
        trajectory_id, n_steps = _seed_trajectory(engine, run_id, number, seed)
        with engine.begin() as conn:
            example_id = examples.add_example(
                conn, environment_id=seed.environment_id, trajectory_id=trajectory_id, start_step=1,
                end_step=n_steps, kind="task", instruction=seed.instruction, run_id=run_id)
            if seed.status != "pending":
                examples.decide(conn, decisions=[(example_id, seed.status)], policy="unanimous")
        ids.append(example_id)
    return ids


def _seed_trajectory(engine: sa.Engine, run_id: int, number: int, seed: Seed) -> tuple[int, int]:
    """The seed's task and trajectory (its actions run in a real episode): the trajectory's id and its steps."""
    with registry.make(CHINOOK) as env:
        initial = env.reset().text
        steps = []
        for idx, action in enumerate(seed.actions, start=1):
            observation = env.step(action).observation
            steps.append(StoredStep(idx, "", action, observation.text, observation.error, False))
    with engine.begin() as conn:
        task_id = instructions.add_self_instruct(
            conn, environment_id=seed.environment_id, chunk_id=_chunk(conn),
            texts=[f"seed task {number}: {seed.instruction}"], run_id=run_id)[0]
        return trajectories.save(
            conn, instruction_id=task_id, environment_id=seed.environment_id, actor_model="seeded",
            status="completed", error=None, initial_observation=initial, steps=steps, run_id=run_id), len(steps)


def _chunk(conn: sa.Connection) -> int:
    document_id = documents.add_document(conn, content_hash="seed", title="seed", format="md", text="seed")
    return documents.add_chunks(conn, document_id=document_id, chunking="seed", chunks=["seed"])[0]


def bare_examples(engine: sa.Engine, n: int, *, environment_id: str, run_id: int | None = None) -> list[int]:
    """n bare accepted example rows (one trajectory, n spans) to hang made-up vectors on, made by ``run_id``
    (by default a new run's); plain rows, so that a store of an older schema takes them too."""
    run_id = seed_run(engine) if run_id is None else run_id
    trajectory_id, _ = _seed_trajectory(engine, run_id, 0, Seed("noise", ("SELECT 1",), environment_id=environment_id))
    with engine.begin() as conn:
        instruction_id = conn.execute(sa.text(
            "INSERT INTO lbi.instructions (environment_id, origin, text, text_hash) "
            "SELECT :env, 'backward', 'noise ' || g, md5(g::text) FROM generate_series(1, :n) g RETURNING id"),
            {"env": environment_id, "n": n}).scalars().all()
        return conn.execute(sa.text(
            "INSERT INTO lbi.examples (trajectory_id, start_step, end_step, kind, instruction_id, status) "
            "SELECT :t, g + 1, g + 1, 'task', i, 'accepted'"
            " FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS u(i, g) "
            "RETURNING id"), {"t": trajectory_id, "ids": instruction_id}).scalars().all()


def index_made_up(conn: sa.Connection, ids: Sequence[int], vectors: Sequence[np.ndarray], *, embedder: str,
                  instructions: Sequence[str], actions: Sequence[str] | None = None,
                  references: Sequence[str] | None = None, observations: Sequence[str] | None = None,
                  environment_id: str = CHINOOK) -> None:
    """Searchable documents, their word counts and made-up vectors for examples ``ids`` (bare_examples)."""
    blank = [""] * len(ids)
    conn.execute(sa.text("""
        INSERT INTO lbi.example_documents (example_id, environment_id, instruction, actions, reference,
                                           observation_tsv)
        VALUES (:id, :env, :instruction, :actions, :reference, to_tsvector('english', :observations))"""),
        [{"id": i, "env": environment_id, "instruction": instruction, "actions": action, "reference": reference,
          "observations": observation}
         for i, instruction, action, reference, observation
         in zip(ids, instructions, actions or blank, references or blank, observations or blank)])
    count_words(conn, example_ids=list(ids))
    conn.execute(sa.text("""
        INSERT INTO lbi.embeddings (example_id, embedder, environment_id, embedding)
        VALUES (:id, :embedder, :env, CAST(:vector AS vector))"""),
        [{"id": i, "embedder": embedder, "env": environment_id, "vector": vector_param(conn, v)}
         for i, v in zip(ids, vectors)])
