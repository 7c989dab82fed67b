"""An experiment run: build each variant's corpus, evaluate each distinct (corpus, retrieval) once on the
held-out task set, store the table (see lbi.experiment for the design)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from lbi.envs import registry
from lbi.evaluation.evaluate import ModelAccess, RetrievalSetup, evaluate
from lbi.evaluation.params import EvaluateParams
from lbi.evaluation.report import EvaluationReport
from lbi.evaluation.target import resolve
from lbi.evaluation.task_set import task_set_hash
from lbi.experiment import corpora, selections
from lbi.experiment import store as experiments
from lbi.experiment.params import ExperimentParams
from lbi.experiment.variants import Corpus, Retrieval, Variant, variants_named
from lbi.experiment.without_documents import synthesize_without_documents
from lbi.method.algorithm1 import Algorithm1Params
from lbi.method.policy import Policy
from lbi.models.client import ModelClient
from lbi.retrieval.embedders import Embedder
from lbi.store import documents, runs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Method:
    """How the dataset was made, for the variants that remake or re-decide part of it."""

    generator_model: str
    committee: list[str]
    policy: str
    ask_all: bool
    m1: int  # examples by observation per step (an experiment's --m1 replaces it)
    m2: int


@dataclass
class ExperimentReport:
    experiment_id: int
    environment_id: str
    task_set: str
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"experiment_id": self.experiment_id, "environment": self.environment_id, "task_set": self.task_set,
                "notes": self.notes, "table": self.rows}


def run_experiment(*, engine: sa.Engine, params: ExperimentParams, models: ModelAccess, embedder: Embedder,
                   method: Method) -> ExperimentReport:
    target = resolve(EvaluateParams(env=params.env, tasks=params.tasks))
    spec = registry.spec(target.env_id)
    method = replace(method, m1=method.m1 if params.m1 is None else params.m1,
                     m2=method.m2 if params.m2 is None else params.m2)
    recorded = {**params.model_dump(), "env": spec.id, "tasks": str(target.task_set), **asdict(method),
                "actor_model": models.actor_model, "embedder": embedder.name}
    with engine.begin() as conn:
        documents.upsert_environment(conn, spec=spec)
        run_id = runs.create_run(conn, flow="experiment", environment_id=spec.id, params=recorded,
                                 max_llm_calls=None, max_tokens=None)
        experiment_id = experiments.create_experiment(
            conn, run_id=run_id, environment_id=spec.id, task_set=str(target.task_set),
            task_set_hash=task_set_hash(target.task_set), params=recorded)
    experiment = _Experiment(engine, params, models, embedder, method, spec.id, run_id, experiment_id)
    try:
        rows = [experiment.row(variant) for variant in variants_named(params.variants)]
    except BaseException as error:
        with engine.begin() as conn:
            experiments.finish_experiment(conn, experiment_id=experiment_id, status="failed",
                                          message=str(error)[:2000])
            runs.finish_run(conn, run_id=run_id, status="failed", message=str(error)[:2000], totals={})
        raise
    with engine.begin() as conn:
        for position, row in enumerate(rows, start=1):
            experiments.add_variant(conn, experiment_id=experiment_id, position=position, row=row)
        message = "; ".join(experiment.notes) or None
        experiments.finish_experiment(conn, experiment_id=experiment_id, status="completed", message=message)
        runs.finish_run(conn, run_id=run_id, status="completed", message=message,
                        totals={"variants": len(rows), "evaluations": len(experiment.evaluations)})
        table = experiments.experiment_table(conn, experiment_id=experiment_id)
    return ExperimentReport(experiment_id, spec.id, str(target.task_set), table, experiment.notes)


class _Experiment:
    """One experiment's corpora and evaluations, each made once and shared by the variants that need it."""

    def __init__(self, engine: sa.Engine, params: ExperimentParams, models: ModelAccess, embedder: Embedder,
                 method: Method, environment_id: str, run_id: int, experiment_id: int) -> None:
        self.engine, self.params, self.models, self.embedder, self.method = engine, params, models, embedder, method
        self.environment_id, self.run_id, self.experiment_id = environment_id, run_id, experiment_id
        self.corpora: dict[Corpus, tuple[int, int]] = {}  # corpus -> (its id, items)
        self.evaluations: dict[tuple[int | None, Retrieval], EvaluationReport] = {}
        self.notes: list[str] = []

    def row(self, variant: Variant) -> dict[str, Any]:
        corpus_id, kept = self.corpus(variant.corpus) if variant.corpus else (None, None)
        key = (corpus_id, variant.retrieval)
        if key not in self.evaluations:
            log.info("experiment %d: evaluating %s", self.experiment_id, variant.name)
            self.evaluations[key] = self._evaluate(corpus_id, variant.retrieval)
        summary = self.evaluations[key].summary()
        return {"variant": variant.name, "description": variant.description, "retrieval": variant.retrieval.value,
                "corpus_id": corpus_id, "evaluation_id": self.evaluations[key].evaluation_id, "examples_kept": kept,
                "tasks": summary["tasks"], "success_rate": summary["success_rate"],
                "model_calls_per_task": summary["model_calls_per_task"],
                "tokens_per_task": summary["tokens_per_task"],
                "retrieval_hits_per_task": summary["retrieval_hits_per_task"]}

    def corpus(self, corpus: Corpus) -> tuple[int, int]:
        if corpus not in self.corpora:
            kind, items = self._items(corpus)
            corpus_id = corpora.store_corpus(self.engine, self.embedder, experiment_id=self.experiment_id,
                                             name=corpus.value, kind=kind, items=items)
            self.corpora[corpus] = (corpus_id, len(items))
        return self.corpora[corpus]

    def _items(self, corpus: Corpus) -> tuple[str, list[corpora.CorpusItem]]:
        env = self.environment_id
        if corpus is Corpus.WITHOUT_DOCUMENTS:
            return "examples", self._without_documents()
        with self.engine.connect() as conn:
            if corpus is Corpus.ORIGINAL_PAIRS:
                tasks = selections.self_instructed_trajectories(conn, environment_id=env)
                return "original_pairs", corpora.original_pair_items(conn, environment_id=env, tasks=tasks)
            if corpus is Corpus.CHUNKS:
                return "chunks", corpora.chunk_items(selections.documentation_chunks(conn, environment_id=env))
            if corpus is Corpus.ACCEPTED:
                ids = selections.accepted_examples(conn, environment_id=env)
            elif corpus is Corpus.UNFILTERED:
                ids = selections.all_examples(conn, environment_id=env)
            else:
                ids = self._under_policy(conn, corpus)
            return "examples", corpora.example_items(conn, ids)

    def _under_policy(self, conn: sa.Connection, corpus: Corpus) -> list[int]:
        policy = {Corpus.STRICT: Policy.UNANIMOUS, Corpus.MAJORITY: Policy.MAJORITY, Corpus.RELAXED: Policy.ANY}[corpus]
        acceptance = selections.judge_acceptances(conn, environment_id=self.environment_id)
        incomplete = selections.incompletely_judged(acceptance, committee=self.method.committee)
        note = (f"{incomplete} judged examples lack a verdict of some judge (asked only while the decision was "
                "open; LBI_COMMITTEE_ASK_ALL=1 asks all), counted as not accepting under other policies")
        if incomplete and note not in self.notes:
            self.notes.append(note)
        return selections.examples_under_policy(acceptance, policy=policy, committee=self.method.committee)

    def _without_documents(self) -> list[corpora.CorpusItem]:
        with self.engine.connect() as conn:
            n = self.params.no_documents_tasks or len(
                selections.self_instructed_trajectories(conn, environment_id=self.environment_id))
        algorithm = Algorithm1Params(
            generator_model=self.method.generator_model, actor_model=self.models.actor_model,
            committee=self.method.committee, policy=self.method.policy, ask_all=self.method.ask_all,
            max_steps=self.params.synthesis_max_steps, max_span_steps=self.params.max_span_steps)
        client = ModelClient(engine=self.engine, base_url=self.models.base_url, api_key=self.models.api_key,
                             run_id=self.run_id, options=self.models.options)
        try:
            accepted = synthesize_without_documents(client, registry.spec(self.environment_id), algorithm, max(n, 1))
        finally:
            client.close()
        return [corpora.item_of(environment_id=self.environment_id, instruction=e.instruction,
                                start_observation=e.initial_observation, turns=e.turns) for e in accepted]

    def _evaluate(self, corpus_id: int | None, retrieval: Retrieval) -> EvaluationReport:
        m1, m2 = self.method.m1, self.method.m2
        m1, m2 = {Retrieval.OBSERVATION: (m1, 0), Retrieval.MODEL: (0, m2)}.get(retrieval, (m1, m2))
        params = EvaluateParams(env=self.environment_id, tasks=self.params.tasks, max_steps=self.params.max_steps,
                                m1=m1, m2=m2, workers=self.params.workers, limit=self.params.limit,
                                max_llm_calls=self.params.max_llm_calls,
                                mode="baseline" if retrieval is Retrieval.OFF else "retrieval")
        setup = None if retrieval is Retrieval.OFF else RetrievalSetup(
            embedder=self.embedder, m1=m1, m2=m2, corpus_id=corpus_id, rag=retrieval is Retrieval.CHUNKS)
        return evaluate(engine=self.engine, params=params, models=self.models, retrieval=setup)
