"""An experiment run: build each variant's corpus, evaluate each distinct (corpus, retrieval) once on the
held-out task set, store the table (see lbi.experiment for the design)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from lbi.envs import registry
from lbi.envs.base import EnvSpec
from lbi.errors import BudgetExhausted
from lbi.evaluation.evaluate import ModelAccess, RetrievalSetup, evaluate
from lbi.evaluation.params import EvaluateParams
from lbi.evaluation.report import EvaluationReport
from lbi.evaluation.target import resolve
from lbi.evaluation.task_set import task_set_hash
from lbi.experiment import corpora, selections
from lbi.experiment import store as experiments
from lbi.experiment.missing_verdicts import ask_missing_judges
from lbi.experiment.params import ExperimentParams
from lbi.experiment.variants import Corpus, Retrieval, Variant, variants_named
from lbi.experiment.without_documents import synthesize_without_documents
from lbi.method.algorithm1 import Algorithm1Params, committee_accepts
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
    status: str = "completed"  # or budget_exhausted: ``rows`` are the variants done before the budget ran out
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"experiment_id": self.experiment_id, "environment": self.environment_id, "task_set": self.task_set,
                "status": self.status, "message": self.message, "notes": self.notes, "table": self.rows}


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
                                 max_llm_calls=params.max_llm_calls, max_tokens=None)
        experiment_id = experiments.create_experiment(
            conn, run_id=run_id, environment_id=spec.id, task_set=str(target.task_set),
            task_set_hash=task_set_hash(target.task_set), params=recorded)
    variants = variants_named(params.variants)
    experiment = _Experiment(engine, params, models, embedder, method, spec, run_id, experiment_id)
    status = "completed"
    try:
        for position, variant in enumerate(variants, start=1):
            row = experiment.row(variant)
            with engine.begin() as conn:  # each row as soon as it is known: a stop keeps the rows done
                experiments.add_variant(conn, experiment_id=experiment_id, position=position, row=row)
            experiment.done += 1
    except BudgetExhausted:
        status = "budget_exhausted"
        experiment.notes.insert(0, experiment.budget_spent(len(variants)))
    except BaseException as error:
        with engine.begin() as conn:
            experiments.finish_experiment(conn, experiment_id=experiment_id, status="failed",
                                          message=str(error)[:2000])
            runs.finish_run(conn, run_id=run_id, status="failed", message=str(error)[:2000], totals={})
        raise
    finally:
        experiment.client.close()
    message = "; ".join(experiment.notes) or None
    with engine.begin() as conn:
        experiments.finish_experiment(conn, experiment_id=experiment_id, status=status, message=message)
        runs.finish_run(conn, run_id=run_id, status=status, message=message,
                        totals={"variants": experiment.done, "evaluations": len(experiment.evaluations),
                                "missing_verdicts_asked": experiment.missing_verdicts_asked})
        table = experiments.experiment_table(conn, experiment_id=experiment_id)
    return ExperimentReport(experiment_id, spec.id, str(target.task_set), table, experiment.notes, status,
                            experiment.notes[0] if status != "completed" else None)


class _Experiment:
    """One experiment's corpora and evaluations, each made once and shared by the variants that need it.

    Its own model calls (missing verdicts, the committee on original pairs, the no-documents synthesis) go
    through one client under the experiment's run; each evaluation has a run of its own. A cap on model
    calls covers them all: an evaluation may spend what is left, and the experiment's run may spend the cap
    less what its evaluations spent (kept up to date in ``runs.max_llm_calls``)."""

    def __init__(self, engine: sa.Engine, params: ExperimentParams, models: ModelAccess, embedder: Embedder,
                 method: Method, spec: EnvSpec, run_id: int, experiment_id: int) -> None:
        self.engine, self.params, self.models, self.embedder, self.method = engine, params, models, embedder, method
        self.spec, self.environment_id, self.run_id, self.experiment_id = spec, spec.id, run_id, experiment_id
        self.client = ModelClient(engine=engine, base_url=models.base_url, api_key=models.api_key, run_id=run_id,
                                  options=models.options)
        self.corpora: dict[Corpus, tuple[int, int]] = {}  # corpus -> (its id, items)
        self.evaluations: dict[tuple[int | None, Retrieval], EvaluationReport] = {}
        self.missing_verdicts_asked: int | None = None  # None until the policy variants need them
        self.done = 0  # variants stored
        self.notes: list[str] = []

    def row(self, variant: Variant) -> dict[str, Any]:
        corpus_id, kept = self.corpus(variant.corpus) if variant.corpus else (None, None)
        key = (corpus_id, variant.retrieval)
        if key not in self.evaluations:
            log.info("experiment %d: evaluating %s", self.experiment_id, variant.name)
            self._evaluate(key)
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

    def budget_left(self) -> int | None:
        """Model calls the experiment may still make (None: no cap); brings the experiment's run's own cap
        up to date with what its evaluations spent."""
        cap = self.params.max_llm_calls
        if cap is None:
            return None
        evaluation_runs = [report.run_id for report in self.evaluations.values()]
        with self.engine.begin() as conn:
            own, evaluations = conn.execute(sa.text("""
                SELECT coalesce(sum(llm_calls) FILTER (WHERE run_id = :run), 0),
                       coalesce(sum(llm_calls) FILTER (WHERE run_id = ANY(:evaluations)), 0)
                FROM lbi.run_counters WHERE run_id = :run OR run_id = ANY(:evaluations)
            """), {"run": self.run_id, "evaluations": evaluation_runs}).one()
            conn.execute(sa.text("UPDATE lbi.runs SET max_llm_calls = :left WHERE id = :run"),
                         {"left": max(cap - evaluations, 0), "run": self.run_id})
        return max(cap - own - evaluations, 0)

    def budget_spent(self, variants: int) -> str:
        """The one line a spent budget ends the experiment with."""
        cap = self.params.max_llm_calls
        spent = cap - (self.budget_left() or 0) if cap is not None else "?"
        return (f"budget spent: {spent} of {cap} model calls; {self.done} of {variants} variants stored in "
                f"experiment {self.experiment_id}; the calls made are cached, so a rerun repeats them at no cost")

    def _items(self, corpus: Corpus) -> tuple[str, list[corpora.CorpusItem]]:
        env = self.environment_id
        if corpus is Corpus.WITHOUT_DOCUMENTS:
            return "examples", self._without_documents()
        if corpus is Corpus.ORIGINAL_PAIRS:
            return "original_pairs", self._original_pairs_accepted()
        if corpus in POLICIES:
            self._ask_missing_judges()
        with self.engine.connect() as conn:
            if corpus is Corpus.CHUNKS:
                return "chunks", corpora.chunk_items(selections.documentation_chunks(conn, environment_id=env))
            if corpus is Corpus.ACCEPTED:
                ids = selections.accepted_examples(conn, environment_id=env)
            elif corpus is Corpus.UNFILTERED:
                ids = selections.all_examples(conn, environment_id=env)
            else:
                ids = self._under_policy(conn, POLICIES[corpus])
            return "examples", corpora.example_items(conn, ids)

    def _ask_missing_judges(self) -> None:
        if self.missing_verdicts_asked is None:
            self.missing_verdicts_asked = ask_missing_judges(self.engine, self.client, self.spec,
                                                             committee=self.method.committee, run_id=self.run_id)
            if self.missing_verdicts_asked:
                self.notes.append(f"{self.missing_verdicts_asked} verdicts asked of judges the committee's "
                                  "decisions did not need, so every policy decides on every judge's verdict")

    def _under_policy(self, conn: sa.Connection, policy: Policy) -> list[int]:
        acceptance = selections.judge_acceptances(conn, environment_id=self.environment_id)
        incomplete = selections.incompletely_judged(acceptance, committee=self.method.committee)
        note = (f"{incomplete} judged examples lack a usable verdict of some judge (a broken answer), "
                "counted as not accepting")
        if incomplete and note not in self.notes:
            self.notes.append(note)
        return selections.examples_under_policy(acceptance, policy=policy, committee=self.method.committee)

    def _algorithm(self) -> Algorithm1Params:
        return Algorithm1Params(
            generator_model=self.method.generator_model, actor_model=self.models.actor_model,
            committee=self.method.committee, policy=self.method.policy, ask_all=self.method.ask_all,
            max_steps=self.params.synthesis_max_steps, max_span_steps=self.params.max_span_steps)

    def _original_pairs_accepted(self) -> list[corpora.CorpusItem]:
        """The original pairs the committee accepts, judged as the dataset's examples are (same judges,
        policy and asking): the variant differs from full only by the relabeling."""
        with self.engine.connect() as conn:
            tasks = selections.self_instructed_trajectories(conn, environment_id=self.environment_id)
            pairs = corpora.original_pairs(conn, tasks=tasks)
        algorithm = self._algorithm()

        def accepted(pair: corpora.OriginalPair) -> bool:
            return committee_accepts(self.client, self.spec, algorithm, pair.task, pair.start_observation,
                                     list(pair.turns))

        with ThreadPoolExecutor(max_workers=self.client.concurrency) as pool:
            verdicts = list(pool.map(accepted, pairs))
        return [corpora.original_pair_item(pair, environment_id=self.environment_id)
                for pair, keep in zip(pairs, verdicts) if keep]

    def _without_documents(self) -> list[corpora.CorpusItem]:
        with self.engine.connect() as conn:
            n = self.params.no_documents_tasks or len(
                selections.self_instructed_trajectories(conn, environment_id=self.environment_id))
        accepted = synthesize_without_documents(self.client, self.spec, self._algorithm(), max(n, 1))
        return [corpora.item_of(environment_id=self.environment_id, instruction=e.instruction,
                                start_observation=e.initial_observation, turns=e.turns) for e in accepted]

    def _evaluate(self, key: tuple[int | None, Retrieval]) -> None:
        corpus_id, retrieval = key
        left = self.budget_left()
        if left == 0:
            raise BudgetExhausted("no model calls left")
        m1, m2 = self.method.m1, self.method.m2
        m1, m2 = {Retrieval.OBSERVATION: (m1, 0), Retrieval.MODEL: (0, m2)}.get(retrieval, (m1, m2))
        params = EvaluateParams(env=self.environment_id, tasks=self.params.tasks, max_steps=self.params.max_steps,
                                m1=m1, m2=m2, workers=self.params.workers, limit=self.params.limit,
                                max_llm_calls=left, mode="baseline" if retrieval is Retrieval.OFF else "retrieval")
        setup = None if retrieval is Retrieval.OFF else RetrievalSetup(
            embedder=self.embedder, m1=m1, m2=m2, corpus_id=corpus_id, rag=retrieval is Retrieval.CHUNKS)
        report = evaluate(engine=self.engine, params=params, models=self.models, retrieval=setup)
        self.evaluations[key] = report
        self.budget_left()
        with self.engine.connect() as conn:
            if runs.get_run(conn, run_id=report.run_id)["status"] == "budget_exhausted":
                raise BudgetExhausted(f"evaluation {report.evaluation_id} ran out of model calls")


POLICIES = {Corpus.STRICT: Policy.UNANIMOUS, Corpus.MAJORITY: Policy.MAJORITY, Corpus.RELAXED: Policy.ANY}
