"""An evaluation run: every task of a task set in one mode, results stored in lbi.evaluations.

Model calls go through the one model client under a ``runs`` row of its own
(flow 'evaluate'), so they are cached, in the ledger, and under its budget.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa

from lbi.envs import registry
from lbi.envs.base import EnvSpec
from lbi.evaluation import store
from lbi.evaluation.params import EvaluateParams
from lbi.evaluation.rag import DocumentationRAG
from lbi.evaluation.report import EvaluationReport, summarize
from lbi.evaluation.runner import Actor, RetrievalFactory, TaskResult, act_on_task, errored, replay_task
from lbi.evaluation.target import load_tasks, resolve
from lbi.evaluation.task_set import Task, task_set_hash
from lbi.evaluation.weak_tasks import weak_tasks
from lbi.errors import BudgetExhausted
from lbi.models.client import ClientOptions, ModelClient
from lbi.retrieval.agentic import AgenticRetrieval
from lbi.retrieval.corpus import CorpusRetriever
from lbi.retrieval.embedders import Embedder
from lbi.retrieval.retriever import ExampleRetriever
from lbi.store import documents, runs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelAccess:
    base_url: str
    api_key: str
    options: ClientOptions
    actor_model: str
    query_model: str


@dataclass(frozen=True)
class RetrievalSetup:
    embedder: Embedder
    m1: int
    m2: int
    ef_search: int = 200
    corpus_id: int | None = None  # an experiment's corpus (lbi.corpus_items) instead of the accepted examples
    rag: bool = False  # the corpus holds documentation chunks, retrieved m1 + m2 per step without a query call


def evaluate(*, engine: sa.Engine, params: EvaluateParams, models: ModelAccess | None = None,
             retrieval: RetrievalSetup | None = None) -> EvaluationReport:
    target = resolve(params)
    params = params.model_copy(update={"env": target.env_id})
    path = target.task_set
    tasks = load_tasks(target)[:params.limit]
    if params.mode != "replay" and models is None:
        raise ValueError(f"mode {params.mode} needs a model")
    if params.mode == "retrieval" and retrieval is None:
        raise ValueError("mode retrieval needs an embedder")
    warnings = weak_tasks(target.env_id, tasks)
    for warning in warnings:
        log.warning("%s: %s", path, warning)
    spec = registry.spec(params.env)
    recorded = {**params.model_dump(), "tasks": str(path), "task_count": len(tasks)}
    if models:
        recorded |= {"model_base_url": models.base_url, "actor_model": models.actor_model}
    if retrieval:
        recorded |= {"embedder": retrieval.embedder.name, "m1": retrieval.m1, "m2": retrieval.m2,
                     "query_model": models.query_model if models else None, "corpus_id": retrieval.corpus_id,
                     "rag": retrieval.rag}
    with engine.begin() as conn:
        documents.upsert_environment(conn, spec=spec)
        run_id = runs.create_run(conn, flow="evaluate", environment_id=spec.id, params=recorded,
                                 max_llm_calls=params.max_llm_calls, max_tokens=None)
        evaluation_id = store.create_evaluation(
            conn, run_id=run_id, environment_id=spec.id, mode=params.mode, task_set=str(path),
            task_set_hash=task_set_hash(path), actor_model=models.actor_model if models and params.mode != "replay"
            else None, params=recorded)
    client = None
    try:
        if params.mode != "replay":
            client = ModelClient(engine=engine, base_url=models.base_url, api_key=models.api_key, run_id=run_id,
                                 options=models.options)
        attempt = _attempt(engine, params, spec, client, models, retrieval)

        def one(task: Task) -> TaskResult:
            try:
                result = attempt(task)
            except Exception as error:  # one broken task must not sink the others; it is reported as errored
                log.warning("task %s: %s: %s", task.id, type(error).__name__, error)
                result = errored(task, error)
            with engine.begin() as conn:
                store.add_result(conn, evaluation_id=evaluation_id, result=result)
            return result

        with ThreadPoolExecutor(max_workers=min(params.workers, len(tasks))) as pool:
            results = list(pool.map(one, tasks))
    except BaseException as error:
        with engine.begin() as conn:
            store.finish_evaluation(conn, evaluation_id=evaluation_id, status="failed", message=str(error)[:2000])
            runs.finish_run(conn, run_id=run_id, status="failed", message=str(error)[:2000], totals={})
        raise
    finally:
        if client is not None:
            client.close()
    report = _finish(engine, evaluation_id, run_id, params, str(path), results)
    report.warnings = warnings
    return report


def _attempt(engine: sa.Engine, params: EvaluateParams, spec: EnvSpec, client: ModelClient | None,
             models: ModelAccess | None, retrieval: RetrievalSetup | None) -> Callable[[Task], TaskResult]:
    if params.mode == "replay":
        return lambda task: replay_task(params.env, task)
    factory = _retrieval(engine, params, spec, models, retrieval) if params.mode == "retrieval" else None
    actor = Actor(client=client, model=models.actor_model, max_steps=params.max_steps, retrieval=factory)
    return lambda task: act_on_task(params.env, task, actor)


def _retrieval(engine: sa.Engine, params: EvaluateParams, spec: EnvSpec, models: ModelAccess,
               retrieval: RetrievalSetup) -> RetrievalFactory:
    if retrieval.corpus_id is not None:
        retriever = CorpusRetriever(engine, retrieval.embedder, retrieval.corpus_id)
        if retrieval.rag:
            return lambda metered: DocumentationRAG(retriever, k=retrieval.m1 + retrieval.m2)
    else:
        retriever = ExampleRetriever(engine, retrieval.embedder, params.env, ef_search=retrieval.ef_search)
        indexed = retriever.ensure_indexed()
        log.info("indexed %d accepted examples of %s before evaluating", indexed, params.env)
    return lambda metered: AgenticRetrieval(retriever, client=metered, model=models.query_model, spec=spec,
                                            m1=retrieval.m1, m2=retrieval.m2)


def _finish(engine: sa.Engine, evaluation_id: int, run_id: int, params: EvaluateParams, task_set: str,
            results: list[TaskResult]) -> EvaluationReport:
    failed = [r for r in results if r.status == "errored"]
    budget = [r for r in failed if r.detail.startswith(BudgetExhausted.__name__)]
    message = f"{len(failed)} tasks errored; first: {failed[0].task_id}: {failed[0].detail}" if failed else None
    with engine.begin() as conn:
        store.finish_evaluation(conn, evaluation_id=evaluation_id, status="completed", message=message)
        runs.finish_run(conn, run_id=run_id, status="budget_exhausted" if budget else "completed", message=message,
                        totals=summarize(results))
    return EvaluationReport(evaluation_id, run_id, params.env, params.mode, task_set, "completed", message, results)
