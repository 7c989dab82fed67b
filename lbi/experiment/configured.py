"""An experiment from the LBI_* settings: the store, the model endpoint (or the offline model), the embedder.

For entry points (the CLI, the flow); the library below takes arguments.
"""

from __future__ import annotations

from lbi import runtime
from lbi.config import Settings
from lbi.evaluation.configured import model_access
from lbi.experiment.params import ExperimentParams
from lbi.experiment.run import ExperimentReport, Method, run_experiment
from lbi.models.endpoint import model_endpoint
from lbi.retrieval.embedders import embedder_for
from lbi.store.migrate import migrate


def experiment_configured(params: ExperimentParams, settings: Settings) -> ExperimentReport:
    engine = runtime.store(settings)
    migrate(engine)
    method = Method(generator_model=settings.generator_model, committee=list(settings.committee),
                    policy=settings.committee_policy.value, ask_all=settings.committee_ask_all,
                    m1=settings.retrieval_m1, m2=settings.retrieval_m2)
    with model_endpoint(settings) as base_url:
        return run_experiment(engine=engine, params=params, models=model_access(settings, base_url),
                              embedder=embedder_for(settings), method=method)
