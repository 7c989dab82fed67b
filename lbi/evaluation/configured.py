"""Evaluation from the LBI_* settings: the store, the model endpoint (or the offline model), the embedder.

For entry points (the CLI, the flow); the library below takes arguments.
"""

from __future__ import annotations

from lbi import runtime
from lbi.config import Settings
from lbi.evaluation.evaluate import ModelAccess, RetrievalSetup, evaluate
from lbi.evaluation.params import EvaluateParams
from lbi.evaluation.report import EvaluationReport
from lbi.models.endpoint import model_endpoint
from lbi.retrieval.embedders import embedder_for
from lbi.store.migrate import migrate


def evaluate_configured(params: EvaluateParams, settings: Settings) -> EvaluationReport:
    engine = runtime.store(settings)
    migrate(engine)
    if params.mode == "replay":
        return evaluate(engine=engine, params=params)
    retrieval = None
    if params.mode == "retrieval":
        retrieval = RetrievalSetup(
            embedder=embedder_for(settings),
            m1=settings.retrieval_m1 if params.m1 is None else params.m1,
            m2=settings.retrieval_m2 if params.m2 is None else params.m2,
            ef_search=settings.hnsw_ef_search,
        )
    with model_endpoint(settings) as base_url:
        return evaluate(engine=engine, params=params, models=model_access(settings, base_url), retrieval=retrieval)


def model_access(settings: Settings, base_url: str) -> ModelAccess:
    """The actor and query writer at ``base_url`` (the configured endpoint, or the offline model's)."""
    return ModelAccess(
        base_url=base_url, api_key=settings.model_api_key.get_secret_value(),
        options=runtime.client_options(settings), actor_model=settings.actor_model,
        query_model=settings.query_writer_model or settings.actor_model,
    )
