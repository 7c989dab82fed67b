"""Reasons written anew for an example's instruction by the reason role: one call per demonstrated action,
answered from the cache when asked before, so exporting the same store again costs nothing and gives the same
bytes. The calls are a run of flow 'export' in the ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterator

import sqlalchemy as sa

from lbi.config import Settings
from lbi.envs.base import EnvSpec
from lbi.export.reasons import Reasons
from lbi.method.roles import Role
from lbi.method.samples import decision_points
from lbi.models.client import ModelClient
from lbi.models.endpoint import model_endpoint
from lbi.prompts import reason
from lbi.prompts.parsing import ParseFailure
from lbi.runtime import client_options
from lbi.store import runs


@dataclass
class ReasonWriter:
    client: ModelClient
    spec: EnvSpec
    model: str
    pool: ThreadPoolExecutor  # a record's questions are asked side by side, up to the client's concurrency
    failed: int = field(default=0)  # answers that broke the contract: those targets go without a reason

    def __call__(self, record: dict[str, Any]) -> list[str | None]:
        steps = [SimpleNamespace(**step) for step in record["steps"]]

        def ask(point: tuple) -> str | ParseFailure:
            history, observation, action = point
            return self.client.complete(
                role=Role.REASON, family=self.spec.family, model=self.model,
                messages=reason.build(self.spec, record["instruction"], history, observation, action),
                parse=reason.parse,
            ).parsed

        answers = list(self.pool.map(ask, decision_points(record["start_observation"], steps)))
        self.failed += sum(isinstance(answer, ParseFailure) for answer in answers)
        return [None if isinstance(answer, ParseFailure) else answer for answer in answers]


@contextmanager
def reason_writer(engine: sa.Engine, settings: Settings, spec: EnvSpec, model: str | None) -> Iterator[ReasonWriter]:
    """A writer of reasons for ``spec``'s examples, its calls recorded under a new export run."""
    model = model or settings.generator_model
    with model_endpoint(settings) as base_url:
        with engine.begin() as conn:
            run_id = runs.create_run(conn, flow="export", environment_id=spec.id,
                                     params={"reasons": Reasons.REGENERATE.value, "reason_model": model,
                                             "model_base_url": base_url},
                                     max_llm_calls=None, max_tokens=None)
        client = ModelClient(engine=engine, base_url=base_url, api_key=settings.model_api_key.get_secret_value(),
                             run_id=run_id, options=client_options(settings))
        pool = ThreadPoolExecutor(max_workers=client.concurrency, thread_name_prefix="lbi-reasons")
        writer = ReasonWriter(client, spec, model, pool)
        status, message = "failed", "stopped before the export was written"
        try:
            yield writer
            status, message = "completed", None
        finally:
            pool.shutdown(cancel_futures=True)
            client.close()
            with engine.begin() as conn:
                runs.finish_run(conn, run_id=run_id, status=status, message=message,
                                totals={"reasons_failed": writer.failed})
